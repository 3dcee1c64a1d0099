"""Pure pieces of search: analysis, listed-until chains, highlighting, spelling distance, filler words."""

from datetime import date
from types import SimpleNamespace

import pytest

from marketplace.search.analysis import exact_words, folded_pairs, folded_words
from marketplace.search.documents import listed_until
from marketplace.search.highlight import highlight
from marketplace.search.joined import split
from marketplace.search.matching import Plan, strip_filler
from marketplace.search.spelling import edit_distance, max_edits


def cert(id_, valid_from, valid_until, status="active", superseded_by=None, superseded_on=None):
    return SimpleNamespace(id=id_, valid_from=valid_from, valid_until=valid_until, status=status,
                           superseded_by_id=superseded_by, superseded_on=superseded_on)


def test_analysis_folds_d_and_keeps_exact_words():
    assert folded_words("Đặc sản ĐẮK NÔNG – Cà phê") == ["dac", "san", "dak", "nong", "ca", "phe"]
    assert exact_words("Bánh đa") == ["bánh", "đa"]
    assert folded_pairs("Cà phê rang") == ["ca_phe", "phe_rang"]


def test_listed_until_follows_handovers_without_gaps():
    newer = cert(2, date(2026, 5, 1), date(2029, 5, 1))
    older = cert(1, date(2023, 6, 1), date(2026, 6, 1), superseded_by=2, superseded_on=date(2026, 5, 1))
    assert listed_until(older, {1: older, 2: newer}) == date(2029, 5, 1)


def test_listed_until_stops_at_a_gap_or_a_revoked_successor():
    gap_newer = cert(2, date(2026, 9, 1), date(2029, 9, 1))
    older = cert(1, date(2023, 6, 1), date(2026, 6, 1), superseded_by=2, superseded_on=date(2026, 9, 1))
    assert listed_until(older, {1: older, 2: gap_newer}) == date(2026, 6, 1)
    revoked = cert(2, date(2026, 5, 1), date(2029, 5, 1), status="revoked")
    older.superseded_on = date(2026, 5, 1)
    assert listed_until(older, {1: older, 2: revoked}) == date(2026, 4, 30)


def test_highlight_marks_folded_matches_and_escapes():
    assert str(highlight("Nước mắm <Phú Quốc>", "nuoc ma")) == "<mark>Nước</mark> <mark>mắm</mark> &lt;Phú Quốc&gt;"
    assert str(highlight("Chè", "")) == "Chè"


@pytest.mark.parametrize(("a", "b", "distance"), [("phee", "phe", 1), ("tiim", "tim", 1), ("curcumim", "curcumin", 1),
                                                  ("hanh", "hnah", 1), ("mam", "cam", 1), ("", "abc", 3)])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


def test_filler_words_are_dropped_unless_alone():
    assert strip_filler(["dac", "san", "dak", "nong"]) == ["dak", "nong"]
    assert strip_filler(["dac", "san"]) == ["dac", "san"]
    plan = Plan.of("Đặc sản bánh")
    assert plan.words == ("banh",) and plan.exact == ("bánh",)


class FakeVocabulary:
    """Name words and adjacent pairs of a tiny catalogue ("Cà phê", "Chè", "Nước mắm", "Cá kho")."""

    words = {"ca", "phe", "che", "nuoc", "mam", "kho"}
    pairs = {("ca", "phe"), ("nuoc", "mam"), ("ca", "kho")}

    def word(self, text):
        return int(text in self.words)

    def anywhere(self, text):
        return text in self.words

    def pair(self, first, second):
        return int((first, second) in self.pairs)


def test_run_together_words_split_into_known_pairs_only():
    vocabulary = FakeVocabulary()
    assert split("caphe", vocabulary) == ("ca", "phe")
    assert split("nuocmam", vocabulary) == ("nuoc", "mam")
    assert split("phenuoc", vocabulary) is None  # both syllables known, never side by side
    assert split("che", vocabulary) is None and split("kho", vocabulary) is None
    plan = Plan.of("cakho ngon", vocabulary=vocabulary)
    assert plan.words == ("ca", "kho", "ngon") and plan.pairs[0] == "ca_kho"


def test_glossary_expansions_keep_the_typed_words():
    plan = Plan.of("fish sauce Phú Quốc")
    assert plan.words == ("fish", "sauce", "phu", "quoc")
    [(start, stop, alternatives)] = plan.expansions
    assert (start, stop) == (0, 2) and alternatives[0].words == ("nuoc", "mam")
    assert Plan.of("cafe", fuzzy=True).expansions == ()


def test_corrections_stay_within_one_edit_for_short_words():
    assert max_edits("caphe") == 1 and max_edits("cafe") == 1  # never "che" or "ca"
    assert max_edits("curcumim") == 2
