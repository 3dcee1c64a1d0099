import unicodedata

import pytest

from marketplace.core.dates import add_months, parse_date
from marketplace.core.text import fold, fold_words, initials, nfc, slugify


@pytest.mark.parametrize(("raw", "folded"), [
    ("Chè Đinh Tân Cương", "che dinh tan cuong"),
    ("ĐẶC SẢN ĐẮK NÔNG", "dac san dak nong"),
    ("Nước mắm Phú Quốc", "nuoc mam phu quoc"),
    (unicodedata.normalize("NFD", "Bánh đa"), "banh da"),
])
def test_fold_maps_d_stroke_and_strips_diacritics(raw, folded):
    assert fold(raw) == folded


def test_nfc_collapses_whitespace_and_composes():
    assert nfc("  Mắc \u00a0 ca\n") == "Mắc ca"
    assert unicodedata.is_normalized("NFC", nfc(unicodedata.normalize("NFD", "Mắc ca")))


def test_slugs_are_ascii():
    assert slugify("Bà Rịa – Vũng Tàu") == "ba-ria-vung-tau"
    assert slugify("Nước mắm 40°N (chai 500 ml)") == "nuoc-mam-40-n-chai-500-ml"
    assert slugify("!!!") == "item"


def test_fold_words_and_initials():
    assert fold_words("HTX NN&DV Long Việt") == "htx nn dv long viet"
    assert initials("Đèn bàn mây tre") == "ĐB"


def test_add_months_clamps_and_parse_date_accepts_iso_and_vietnamese_order():
    from datetime import date
    assert add_months(date(2023, 2, 28), 36) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 36) == date(2027, 2, 28)
    assert parse_date("2026-08-05") == parse_date("05/08/2026") == date(2026, 8, 5)
    with pytest.raises(ValueError, match="month"):
        parse_date("2026-13-01")
