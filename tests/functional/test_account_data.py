"""The personal-data download holds everything kept about a buyer; deleting the account forgets it."""

from sqlalchemy import func, select

from marketplace.accounts.models import SavedAddress, User
from marketplace.extensions import db
from marketplace.shop.cart import wishlist
from marketplace.shop.cart.wishlist import RecentlyViewed, WishlistItem
from tests.factories import PASSWORD, make_user


def keep_address(user, address, default=False):
    saved = SavedAddress(user_id=user.id, name="Hoa", phone="0987000111", province_code="01", ward_code="00070",
                         ward="Phường Hoàn Kiếm", address=address, is_default=default)
    db.session.add(saved)
    db.session.flush()
    return saved


def habits(user, catalogue):
    """A buyer with two addresses, two wished products (one no longer listed) and two recent views."""
    keep_address(user, "2 Tràng Tiền", default=True)
    keep_address(user, "5 Hàng Bài")
    wishlist.add(user, catalogue["che"].id)
    wishlist.add(user, catalogue["expired"].id)
    wishlist.remember_view(user, {}, catalogue["mam"].id)
    wishlist.remember_view(user, {}, catalogue["tra"].id)


def count(model, user):
    return db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))


def test_the_download_holds_addresses_wishlist_and_recent_views_of_this_buyer_only(client, catalogue):
    buyer, other = make_user("customer", email="hoa@test.example"), make_user("customer")
    habits(buyer, catalogue)
    keep_address(other, "9 Lý Thái Tổ")
    wishlist.add(other, catalogue["gom"].id)
    db.session.commit()
    client.login_as(buyer)
    data = client.get("/account/data").get_json()
    assert data["account"]["email"] == "hoa@test.example"
    assert [(a["address"], a["is_default"]) for a in data["addresses"]] == [("2 Tràng Tiền", True),
                                                                            ("5 Hàng Bài", False)]
    first = data["addresses"][0]
    assert first["name"] == "Hoa" and first["phone"] == "0987000111" and first["ward"] == "Phường Hoàn Kiếm"
    assert first["province_code"] == "01"
    assert sorted(item["product"] for item in data["wishlist"]) == sorted(["Chè Đinh Tân Cương", "Mắm tôm hết hạn"])
    assert all(item["added_at"] for item in data["wishlist"])
    assert [item["product"] for item in data["recently_viewed"]] == ["Trà tôm nõn hương quê",
                                                                     "Nước mắm Phú Quốc 40 độ đạm"]
    assert all(item["viewed_at"] for item in data["recently_viewed"])
    assert "9 Lý Thái Tổ" not in str(data) and "Bình gốm" not in str(data)


def test_deleting_the_account_forgets_addresses_wishlist_and_recent_views(client, catalogue):
    buyer, other = make_user("customer"), make_user("customer")
    habits(buyer, catalogue)
    habits(other, catalogue)
    db.session.commit()
    client.login_as(buyer)
    assert client.post_form("/account/delete", {"password": PASSWORD}).status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, buyer.id).active
    assert [count(model, buyer) for model in (SavedAddress, WishlistItem, RecentlyViewed)] == [0, 0, 0]
    assert [count(model, other) for model in (SavedAddress, WishlistItem, RecentlyViewed)] == [2, 2, 2]


def test_a_refused_deletion_forgets_nothing(client, catalogue):
    buyer = make_user("customer")
    habits(buyer, catalogue)
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/account/delete", {"password": "not the password"})
    db.session.expire_all()
    assert db.session.get(User, buyer.id).active
    assert [count(model, buyer) for model in (SavedAddress, WishlistItem, RecentlyViewed)] == [2, 2, 2]
