"""The search glossary: reviewed data that is well formed and cannot hijack Vietnamese words."""

import json

from marketplace.core.text import fold
from marketplace.demo.loader import DATA_DIR as DEMO_DIR
from marketplace.search import glossary
from marketplace.search.analysis import folded_words


def demo_name_words():
    """Every folded word of the demo catalogue's product names."""
    words = set()
    for path in DEMO_DIR.glob("catalogue_*.json"):
        for block in json.loads(path.read_text(encoding="utf-8")):
            words.update(word for product in block["products"] for word in folded_words(product["name"]))
    return words


def test_the_glossary_cites_its_sources_and_every_entry_is_complete():
    data = json.loads(glossary.PATH.read_text(encoding="utf-8"))
    assert data["sources"] and data["reviewed"]
    for entry in data["entries"]:
        assert entry["vi"] and entry["note"], entry
        assert set(entry) <= {"vi", "spellings", "en", "interchangeable", "note"}, entry


def test_english_names_and_spellings_are_not_words_of_product_names():
    """A key that is also a Vietnamese word ("mat" = mật, "hat" = hạt) would hijack it."""
    vocabulary = demo_name_words()
    for entry in glossary.read_entries():
        for key in [*entry.get("spellings", []), *entry.get("en", [])]:
            words = folded_words(key)
            assert len(words) > 1 or words[0] not in vocabulary, key


def test_keys_map_to_vietnamese_words_with_their_diacritics():
    table = glossary.table()
    assert [a.words for a in table[("coffee",)]] == [("ca", "phe")]
    assert table[("caphe",)][0].exact == ("cà", "phê")
    assert [a.words for a in table[("fish", "sauce")]] == [("nuoc", "mam")]
    assert [a.words for a in table[("bird", "s", "nest")]][0] == ("yen",)
    assert [(a.words, a.weight) for a in table[("tra",)]] == [(("che",), glossary.SYNONYM_WEIGHT)]


def test_expand_prefers_the_longest_key():
    [(start, stop, alternatives)] = glossary.expand(["rice", "wine"])
    assert (start, stop) == (0, 2) and ("ruou", "nep") in [a.words for a in alternatives]
    assert glossary.expand(["nuoc", "mam"]) == []  # Vietnamese as printed needs no expansion
    assert fold("Trà") == "tra" and glossary.is_key("tra")
