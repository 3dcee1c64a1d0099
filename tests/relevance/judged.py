"""Judged queries over the demo catalogue: what must rank in the first 10 (contract §4 parameters)."""

#: (query string, names that must be among the first 10 results)
JUDGED = [
    # unaccented, as typed on a phone
    ("q=nuoc+mam+phu+quoc", ["Nước mắm Phú Quốc Khải Hoàn 38 độ đạm"]),
    ("q=che+thai+nguyen", ["Chè Đinh Tân Cương", "Chè móc câu Tân Cương", "Chè búp La Bằng"]),
    ("q=ca+phe+bich+thao", ["Cà phê hạt rang Bích Thao", "Cà phê bột nguyên chất Bích Thao"]),
    ("q=sam+ngoc+linh", ["Sâm Ngọc Linh Kon Tum", "Cao sâm Ngọc Linh", "Sâm Ngọc Linh Nam Trà My"]),
    ("q=mac+ca", ["Hạt mắc ca Tam Đường", "Hạt mắc ca nứt vỏ Tuy Đức", "Mắc ca sấy nứt vỏ Tuần Giáo"]),
    ("q=toi+ly+son", ["Tỏi Lý Sơn"]),
    ("q=keo+dua", ["Kẹo dừa Tam Quan", "Kẹo dừa sầu riêng Mỏ Cày", "Kẹo dừa sữa Mỏ Cày"]),
    ("q=mat+ong+rung", ["Mật ong rừng tràm U Minh Thượng"]),
    ("q=nuoc+mam+nam+o", ["Nước mắm cá cơm Nam Ô"]),
    ("q=gao+st25", ["Gạo ST25 Mỹ Xuyên", "Gạo ST25 lúa tôm Mỹ Xuyên"]),
    ("q=hanh+tim+vinh+chau", ["Hành tím Vĩnh Châu"]),
    ("q=com+me+tri", ["Cốm Mễ Trì"]),
    ("q=dao+nhat+tan", ["Đào cành Nhật Tân"]),
    ("q=chieu+coi+nga+son", ["Chiếu cói Nga Sơn"]),
    ("q=banh+trang+trang+bang", ["Bánh tráng phơi sương Trảng Bàng"]),
    ("q=ruou+man", ["Rượu mận Nà Ka"]),
    ("q=tinh+dau+tram", ["Tinh dầu tràm U Minh Thượng", "Tinh dầu tràm Đức Huệ"]),
    ("q=que+tra+bong", ["Quế Trà Bồng", "Bột quế Trà Bồng"]),
    ("q=khan+lua+bao+loc", ["Khăn lụa tơ tằm Bảo Lộc"]),
    ("q=du+lich+cong+dong", ["Du lịch cộng đồng thôn Klu", "Du lịch cộng đồng Pù Luông"]),
    ("q=non+la", ["Nón lá Ba Đồn"]),
    ("q=lan+hai+mang+den", ["Lan hài Măng Đen"]),
    # accented
    ("q=Nước+mắm+Cẩm+Nhượng", ["Nước mắm Cẩm Nhượng"]),
    ("q=Chè+Shan+tuyết", ["Chè Shan tuyết Bằng Phúc"]),
    ("q=cà+phê+Khe+Sanh", ["Cà phê Robusta Khe Sanh", "Cà phê Arabica Khe Sanh rang xay"]),
    ("q=Bánh+gai", ["Bánh gai Ninh Giang", "Bánh gai Tứ Trụ"]),
    ("q=MẮC+CA", ["Hạt mắc ca Tam Đường"]),
    ("q=gốm+Bàu+Trúc", ["Tượng vũ nữ Chăm gốm Bàu Trúc"]),
    # partial words (the last word being typed)
    ("q=nuoc+m", ["Nước mắm Cẩm Nhượng"]),
    ("q=mang+cu", ["Măng cụt Lái Thiêu"]),
    ("q=sau+rie", ["Sầu riêng Monthong Ngũ Hiệp"]),
    ("q=tranh+dong+h", ["Tranh Đông Hồ bộ tứ bình"]),
    ("q=thach+d", ["Bột thạch đen Thạch An", "Thạch đen Tràng Định"]),
    # entity names
    ("q=hao+dat", ["Chè Đinh Tân Cương", "Chè móc câu Tân Cương"]),
    ("q=bac+ha+curcumin", ["Vicumax Nano Curcumin"]),
    ("q=gom+su+quang+vinh", ["Bộ ấm chén chim én hoa sen"]),
    ("q=htx+mai+vang+nhon+an", ["Mai vàng bonsai Nhơn An"]),
    # pre-2025 province names, as words or as the province filter
    ("q=dac+san+dak+nong", ["Cà phê Robusta hữu cơ Đắk Song", "Hạt mắc ca nứt vỏ Tuy Đức"]),
    ("q=kon+tum", ["Sâm Ngọc Linh Kon Tum"]),
    ("q=ca+phe&province=dak-nong", ["Cà phê Robusta hữu cơ Đắk Song"]),
    ("q=keo+dua&province=ben-tre", ["Kẹo dừa sầu riêng Mỏ Cày"]),
    ("q=nuoc+mam&province=Kiên+Giang", ["Nước mắm Phú Quốc Khải Hoàn 38 độ đạm"]),
    ("q=mang+cut&province=binh-duong", ["Măng cụt Lái Thiêu"]),
    ("q=gao&province=Long+An", ["Gạo Nàng Thơm Chợ Đào"]),
    ("q=dua&province=tra-vinh", ["Mật hoa dừa Trà Vinh"]),
    # typos
    ("q=nuoc+mamm", ["Nước mắm Cẩm Nhượng"]),
    ("q=ca+phee", ["Cà phê hạt rang Bích Thao"]),
    ("q=sam+ngoc+lin", ["Sâm Ngọc Linh Kon Tum"]),
    ("q=hanh+tiim", ["Hành tím Vĩnh Châu"]),
    ("q=curcumim", ["Vicumax Nano Curcumin"]),
    # mixed with filters and sorts
    ("q=nuoc+mam&min_stars=4", ["Nước mắm Vạn Phần", "Nước mắm cá cơm Nam Ô", "Nước mắm Phú Quốc Khải Hoàn 38 độ đạm"]),
    ("q=che&group=11&sort=price_asc", ["Trà xanh túi lọc Tân Cương"]),
    ("q=ruou&group=II&province=son-la", ["Rượu mận Nà Ka"]),
    ("q=tinh+dau&group=III", ["Tinh dầu quế Trà My", "Tinh dầu hồi Văn Quan"]),
    ("q=du+lich&group=VI&province=thai-nguyen", ["Homestay bản Pác Ngòi"]),
]

#: Products of the demo that must never be found: revoked, expired or unpublished in the demo catalogue.
NEVER = ["Kẹo dừa sáp nguyên chất", "Tinh dầu tràm U Minh Hạ", "Cây thạch đen khô Thạch An",
         "Du lịch văn hóa dân tộc Tày bản làng Thái Hải"]

#: How buyers really type (issue 12, item 3): (habit, query string, a word the first result's name must hold,
#: names that must be among the first 10). Every habit class is covered; the English words are the 13 of the issue
#: and more, each answered by the glossary (marketplace/search/data/glossary.json).
HABITS = [
    # words typed together, without spaces or diacritics (split against the catalogue's syllables)
    ("run-together", "q=caphe", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),
    ("run-together", "q=caphe+bich+thao", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê bột nguyên chất Bích Thao"]),
    ("run-together", "q=nuocmam", "nước", ["Nước mắm Cẩm Nhượng", "Nước mắm Vạn Phần"]),
    ("run-together", "q=nuocmam+phu+quoc", "nước", ["Nước mắm Phú Quốc Khải Hoàn 38 độ đạm"]),
    ("run-together", "q=banhtrang", "bánh", ["Bánh tráng phơi sương Trảng Bàng", "Bánh tráng Thuận Hưng"]),
    ("run-together", "q=matong", "mật", ["Mật ong rừng tràm U Minh Thượng"]),
    ("run-together", "q=keodua", "kẹo", ["Kẹo dừa Tam Quan", "Kẹo dừa sữa Mỏ Cày"]),
    ("run-together", "q=hatdieu", "điều", ["Hạt điều rang muối Bình Phước"]),
    ("run-together", "q=thanhlong", "thanh", ["Thanh long ruột đỏ Hàm Thuận Nam"]),
    # everyday loan spellings
    ("loan word", "q=cafe", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),
    ("loan word", "q=cafe+khe+sanh", "cà", ["Cà phê Robusta Khe Sanh", "Cà phê Arabica Khe Sanh rang xay"]),
    # regional synonyms: chè = trà, lợn = heo, ngô = bắp, xà phòng = xà bông
    ("regional synonym", "q=tra+tan+cuong", "tân", ["Chè Đinh Tân Cương", "Chè móc câu Tân Cương"]),
    ("regional synonym", "q=che+atiso", "atiso", ["Trà atiso Sapa"]),
    ("regional synonym", "q=che+o+long", "ô", ["Trà ô long Tân Lập", "Chè Ô long Tân Uyên"]),
    ("regional synonym", "q=thit+heo", "thịt", ["Thịt lợn gác bếp Thanh Sơn", "Thịt lợn hun khói Cao Bằng"]),
    ("regional synonym", "q=ruou+bap", "ngô", ["Rượu ngô Hương Khê", "Rượu ngô Bản Phố"]),
    ("regional synonym", "q=xa+phong", "xà", ["Xà bông tinh dầu hồi", "Xà phòng trà xanh Tân Cương"]),
    # spelling variants of product names
    ("spelling variant", "q=macca", "mắc", ["Hạt mắc ca Tam Đường", "Mắc ca sấy nứt vỏ Tuần Giáo"]),
    ("spelling variant", "q=actiso", "atiso", ["Trà atiso Sapa", "Cao atiso Sapa"]),
    ("spelling variant", "q=hu+tiu", "hủ", ["Hủ tiếu Mỹ Tho sợi khô", "Hủ tiếu Mỹ Tho ăn liền"]),
    # English words for OCOP product types
    ("English", "q=coffee", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),
    ("English", "q=tea", "chè", ["Chè Đinh Tân Cương", "Chè búp La Bằng"]),
    ("English", "q=fish+sauce", "nước", ["Nước mắm Cẩm Nhượng", "Nước mắm cá cơm Nam Ô"]),
    ("English", "q=honey", "mật", ["Mật ong rừng Vũ Quang", "Mật ong hoa tràm Đức Huệ"]),
    ("English", "q=rice", "gạo", ["Gạo ST25 Mỹ Xuyên", "Gạo Nàng Thơm Chợ Đào"]),
    ("English", "q=cashew", "điều", ["Hạt điều rang muối Bình Phước", "Sữa hạt điều Bình Phước"]),
    ("English", "q=macadamia", "mắc", ["Hạt mắc ca Tam Đường", "Hạt mắc ca nứt vỏ Tuy Đức"]),
    ("English", "q=pepper", "tiêu", ["Hồ tiêu Chư Sê", "Tiêu sọ Gio Linh"]),
    ("English", "q=garlic", "tỏi", ["Tỏi Lý Sơn", "Tỏi Phan Rang"]),
    ("English", "q=ceramics", "gốm", ["Gốm Phước Tích", "Bình gốm hoa lam Chu Đậu"]),
    ("English", "q=bird%27s+nest", "yến", ["Tổ yến tinh chế Vạn Ninh", "Nước yến chưng đường phèn Vạn Ninh"]),
    ("English", "q=dried+fruit", "", ["Chuối sấy giòn Định Quán", "Mứt vỏ cam Xã Đoài"]),
    ("English", "q=rice+wine", "rượu", ["Rượu nếp men lá Phúc Đồng", "Rượu cần Ngọc Lặc"]),
    ("English", "q=ginseng", "sâm", ["Sâm Ngọc Linh Kon Tum"]),
    ("English", "q=cinnamon", "quế", ["Quế Trà Bồng", "Quế thanh Thường Xuân"]),
    ("English", "q=essential+oil", "tinh", ["Tinh dầu tràm Đức Huệ", "Tinh dầu hồi Văn Quan"]),
    ("English", "q=silk", "lụa", ["Khăn lụa tơ tằm Bảo Lộc"]),
    ("English", "q=durian", "sầu", ["Sầu riêng Monthong Ngũ Hiệp"]),
    ("English", "q=coffee&province=dak-nong", "cà", ["Cà phê Robusta hữu cơ Đắk Song"]),
]

#: Queries whose first 10 results must hold no product named with these words (the old corrections' victims).
NEVER_NEAR_TOP = [
    ("q=caphe", {"chè", "trà"}),  # was corrected to "che": 292 teas
    ("q=cafe", {"cá"}),  # was corrected to "ca": fish
    ("q=coffee", {"chè", "trà", "cá"}),
]

#: A slip inside a run-together word, or in a glossary word (issue 12): (query string, the reading answered instead
#: since nothing matched as typed, a word the first result's name must hold, names that must be among the first 10).
SLIPS = [
    ("q=cafphe", "ca phe", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),  # a letter too many
    ("q=caphee", "ca phe", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),
    ("q=nuocmamm", "nuoc mam", "nước", ["Nước mắm Cẩm Nhượng", "Nước mắm Vạn Phần"]),
    ("q=nuocmem", "nuoc mam", "nước", ["Nước mắm Cẩm Nhượng", "Nước mắm Vạn Phần"]),  # a wrong letter
    ("q=banhtrangg", "banh trang", "bánh", ["Bánh tráng phơi sương Trảng Bàng", "Bánh tráng Thuận Hưng"]),
    ("q=banhtrnag", "banh trang", "bánh", ["Bánh tráng phơi sương Trảng Bàng", "Bánh tráng Thuận Hưng"]),  # swapped
    ("q=keodau", "keo dua", "kẹo", ["Kẹo dừa Tam Quan", "Kẹo dừa sữa Mỏ Cày"]),
    ("q=hatdieuu", "hat dieu", "điều", ["Hạt điều rang muối Bình Phước"]),
    ("q=thanhlongg", "thanh long", "thanh", ["Thanh long ruột đỏ Hàm Thuận Nam"]),
    ("q=matongg+rung", "mat ong rung", "mật", ["Mật ong rừng tràm U Minh Thượng", "Mật ong rừng Vũ Quang"]),
    ("q=cafphe+bich+thao", "ca phe bich thao", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê bột nguyên chất Bích Thao"]),
    ("q=coffe", "coffee", "cà", ["Cà phê hạt rang Bích Thao", "Cà phê Robusta Khe Sanh"]),  # a glossary word
    ("q=honye", "honey", "mật", ["Mật ong rừng Vũ Quang", "Mật ong hoa tràm Đức Huệ"]),
]

#: Autocomplete as buyers type (issue 12): (what was typed, Vietnamese phrases one of which every suggestion holds).
SUGGESTED = [
    ("coffee", ["cà phê"]),
    ("cafe", ["cà phê"]),
    ("caphe", ["cà phê"]),
    ("honey", ["mật ong"]),
    ("nuocmam", ["nước mắm"]),
    ("fish sauce", ["nước mắm"]),
    ("banhtrang", ["bánh tráng"]),
    ("macca", ["mắc ca"]),
    ("macadamia", ["mắc ca"]),
    ("tea", ["chè", "trà"]),
    ("thit heo", ["thịt lợn", "thịt heo"]),
    ("nuoc m", ["nước mắm"]),  # the last word still completes
]
