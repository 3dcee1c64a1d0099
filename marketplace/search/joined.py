"""Words typed together without spaces or diacritics ("caphe", "nuocmam", "banhtrang"), split into syllables.

A word the catalogue does not know is split into two or more syllables that it does know, every adjacent pair
of which appears in a product name or place ("ca phe" when "cà phê" is sold). Generic: no list of words.
"""

from functools import lru_cache

MIN_LENGTH = 4  #: shorter words are not split
MAX_SYLLABLE = 7  #: the longest Vietnamese syllable without diacritics ("nghieng")
MIN_SYLLABLE = 2


class Vocabulary:
    """What one index generation knows: name words and adjacent-word pairs (lookups cached)."""

    def __init__(self, reader):
        self.reader = reader
        self.known = lru_cache(maxsize=8192)(self._known)

    def _known(self, field, text):
        return self.reader.doc_frequency(field, text)

    def word(self, text):
        """Documents whose name has ``text``."""
        return self.known("name", text)

    def anywhere(self, text):
        """True when ``text`` is a word of some name or body."""
        return bool(self.known("name", text) or self.known("body", text))

    def pair(self, first, second):
        """Documents whose name or place has ``first second`` side by side."""
        pair = f"{first}_{second}"
        return self.known("name_pairs", pair) + self.known("place", pair)


def split(word, vocabulary):
    """The syllables of a run-together ``word`` (a tuple of two or more), or None when it is not one."""
    if len(word) < MIN_LENGTH or not word.isalnum() or vocabulary.anywhere(word):
        return None
    best = _segment(word, 0, None, vocabulary, {})
    return best[1] if best is not None and len(best[1]) >= 2 else None


def _segment(word, start, previous, vocabulary, memo):
    """Best (score, syllables) for ``word[start:]`` after ``previous``: fewest syllables, then most used pairs."""
    if start == len(word):
        return (0, ())
    if (start, previous) in memo:
        return memo[(start, previous)]
    best = None
    for stop in range(start + MIN_SYLLABLE, min(len(word), start + MAX_SYLLABLE) + 1):
        syllable = word[start:stop]
        if not vocabulary.word(syllable):
            continue
        weight = vocabulary.pair(previous, syllable) if previous is not None else 1
        if not weight:
            continue
        rest = _segment(word, stop, syllable, vocabulary, memo)
        if rest is not None:
            candidate = (rest[0] - 1000 + min(weight, 999), (syllable, *rest[1]))
            best = candidate if best is None or candidate[0] > best[0] else best
    memo[(start, previous)] = best
    return best
