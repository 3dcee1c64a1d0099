"""The share picture's drawing: Vietnamese text in the vendored font, names that fit, and its cost."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from marketplace.shop.catalog.share_image import HEIGHT, MARGIN, NAME_LINES, WIDTH, ShareCard, fit_name, font, share_png

VIETNAMESE = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
              "ĐĂÂÊÔƠƯẮẶẦẬỄỆỖỘỚỢỨỰỸỴ")
LONG_NAME = ("Nước mắm truyền thống Phú Quốc thượng hạng loại đặc biệt 40 độ đạm của Hợp tác xã Hải sản "
             "Nghiêm Ưng Thịnh Phát Đạt Đông Hưng tỉnh An Giang")


def card(name="Chè Đinh Tân Cương", stars=5):
    return ShareCard(name, stars, "Thái Nguyên", "#15803d", f"OCOP {stars} sao", "Chợ OCOP")


@pytest.mark.parametrize("bold", [True, False])
def test_the_font_has_every_vietnamese_letter_and_the_star(bold):
    face = font(40, bold)
    missing = bytes(face.getmask("\U000f0000"))  # a private-use character: the font's "missing glyph" box
    absent = [ch for ch in VIETNAMESE + VIETNAMESE.upper() + "★" if bytes(face.getmask(ch)) == missing]
    assert not absent


def test_the_picture_is_a_1200_by_630_png():
    picture = Image.open(io.BytesIO(share_png(card())))
    assert picture.format == "PNG" and picture.size == (WIDTH, HEIGHT) == (1200, 630)


def test_diacritics_are_drawn():
    assert share_png(card("Cương Đạt")) != share_png(card("Cuong Dat"))


def test_stars_are_drawn():
    assert share_png(card(stars=3)) != share_png(card(stars=5))


def test_a_long_name_fits_in_three_lines_with_an_ellipsis():
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    size, lines = fit_name(draw, LONG_NAME)
    assert len(lines) == NAME_LINES and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=font(size)) <= WIDTH - 2 * MARGIN for line in lines)
    short_size, short_lines = fit_name(draw, "Chè Đinh Tân Cương")
    assert short_lines == ["Chè Đinh Tân Cương"] and short_size > size


def test_the_same_card_is_drawn_once():
    assert share_png(card("Mật ong bạc hà")) is share_png(card("Mật ong bạc hà"))


def test_drawing_a_picture_loads_no_font_file(monkeypatch):
    cards = [card(LONG_NAME), card("Chè Đinh Tân Cương", stars=3)]
    for each in cards:
        share_png.__wrapped__(each)  # the first drawing loads the faces it needs, once per process
    loads = []
    real = ImageFont.truetype
    monkeypatch.setattr(ImageFont, "truetype", lambda *args, **kwargs: loads.append(args) or real(*args, **kwargs))
    for each in cards:
        share_png.__wrapped__(each)
    assert loads == []  # the drawing's cost is measured by benchmarks/share_image_bench.py
