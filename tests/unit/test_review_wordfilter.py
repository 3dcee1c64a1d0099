"""The word filter (``reviews/data/held_words.json``): whole words with their diacritics, phrases, both languages."""

import json

import pytest

from marketplace.reviews import wordfilter


@pytest.mark.parametrize(("text", "found"), [
    ("Chè ngon, giao nhanh", []),
    ("Lon nước mắm bị móp", []),  # "lon" without its marks is an everyday word
    ("Bánh dẻo, các vị đều ngon, buổi sáng ăn rất hợp", []),
    ("Shop lừa đảo, hàng giả", []),  # a complaint, not abuse
    ("Đồ NGU, đừng mua", ["đồ ngu"]),
    ("hàng như lồn", ["lồn"]),
    ("dit me shop", ["dit me"]),
    ("What a piece of shit", ["piece of shit", "shit"]),
    ("Fucking awful", ["fucking"]),
    ("Shitake mushrooms are great", []),  # whole words only
    ("Scunthorpe tea", []),
])
def test_held_words(text, found):
    assert wordfilter.held_words(text) == found


def test_the_list_is_small_lower_case_nfc_and_without_complaint_words():
    data = json.loads(wordfilter.PATH.read_text(encoding="utf-8"))
    entries = data["vi"] + data["en"]
    assert 20 <= len(entries) <= 200
    assert all(entry == entry.lower().strip() for entry in entries)
    assert not {"lừa đảo", "hàng giả", "lon", "cac", "deo", "buoi"} & set(entries)
