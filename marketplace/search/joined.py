"""Words typed together without spaces or diacritics ("caphe", "nuocmam", "banhtrang"), split into syllables.

A word the catalogue does not know is split into two or more syllables that it does know, every adjacent pair
of which appears in a product name or place ("ca phe" when "cà phê" is sold). Generic: no list of words.
A vocabulary comes from the index (:class:`Vocabulary`) or from product names (:class:`NameVocabulary`, the
database's fallback). ``split_near`` forgives one typing slip inside the run-together word ("cafphe", "nuocmamm"):
spelling help only, tried when what was typed found nothing.
"""

from collections import Counter
from functools import cached_property, lru_cache
from itertools import chain
from string import ascii_lowercase

MIN_LENGTH = 4  #: shorter words are not split
MAX_SYLLABLE = 7  #: the longest Vietnamese syllable without diacritics ("nghieng")
MIN_SYLLABLE = 2
MIN_NEAR_LENGTH = 5  #: shorter words are not split with an edit (too many ways to read four letters)


class Vocabulary:
    """What one index generation knows: name words and adjacent-word pairs (lookups cached)."""

    def __init__(self, reader):
        self.reader = reader
        self.known = lru_cache(maxsize=8192)(self._known)
        self._syllables = None

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

    def syllables(self):
        """Name words that may be syllables (2 to 7 characters, starting with a letter), read once."""
        if self._syllables is None:
            self._syllables = frozenset(syllables_of(self._letter_terms()))
        return self._syllables

    def _letter_terms(self):
        for field, term in self.reader.terms_from("name", b"a"):
            if field != "name":
                return
            yield term.decode("utf-8")


class NameVocabulary:
    """What a list of product names knows (folded words of each): word and adjacent-pair counts, counted once asked."""

    def __init__(self, names):
        self.names = list(names)

    @cached_property
    def words(self):
        """How often each word appears in the names."""
        return Counter(chain.from_iterable(self.names))

    @cached_property
    def pairs(self):
        """How often each pair of words stands side by side in the names."""
        return Counter(chain.from_iterable(zip(words, words[1:], strict=False) for words in self.names))

    def word(self, text):
        """How often the names have ``text``."""
        return self.words[text]

    def anywhere(self, text):
        """True when ``text`` is a word of some name."""
        return text in self.words

    def pair(self, first, second):
        """How often the names have ``first second`` side by side."""
        return self.pairs[(first, second)]

    def syllables(self):
        """Name words that may be syllables (2 to 7 characters)."""
        return frozenset(syllables_of(self.words))


def syllables_of(words):
    """The words of ``words`` that may be syllables of a run-together word (2 to 7 characters)."""
    return (word for word in words if MIN_SYLLABLE <= len(word) <= MAX_SYLLABLE)


class _Syllables:
    """A vocabulary whose words are looked up in a set: ``split_near`` makes thousands of lookups."""

    def __init__(self, vocabulary):
        self.vocabulary, self.words = vocabulary, vocabulary.syllables()

    def word(self, text):
        return text in self.words

    def pair(self, first, second):
        return self.vocabulary.pair(first, second)


def split(word, vocabulary):
    """The syllables of a run-together ``word`` (a tuple of two or more), or None when it is not one."""
    if len(word) < MIN_LENGTH or not word.isalnum() or vocabulary.anywhere(word):
        return None
    best = _segment(word, None, vocabulary, {})
    return best[1] if best is not None and len(best[1]) >= 2 else None


def _segment(rest, previous, vocabulary, memo):
    """Best (score, syllables) for ``rest`` after ``previous``: fewest syllables, then most used pairs."""
    if not rest:
        return (0, ())
    if (rest, previous) in memo:
        return memo[(rest, previous)]
    best = None
    for stop in range(MIN_SYLLABLE, min(len(rest), MAX_SYLLABLE) + 1):
        syllable = rest[:stop]
        if not vocabulary.word(syllable):
            continue
        weight = vocabulary.pair(previous, syllable) if previous is not None else 1
        if not weight:
            continue
        after = _segment(rest[stop:], syllable, vocabulary, memo)
        if after is not None:
            candidate = (after[0] - 1000 + min(weight, 999), (syllable, *after[1]))
            best = candidate if best is None or candidate[0] > best[0] else best
    memo[(rest, previous)] = best
    return best


def one_edit(word):
    """Every word one edit from ``word`` (a letter deleted, swapped with the next, replaced or inserted), sorted."""
    halves = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {head + tail[1:] for head, tail in halves if tail}
    swapped = {head + tail[1] + tail[0] + tail[2:] for head, tail in halves if len(tail) > 1}
    replaced = {head + letter + tail[1:] for head, tail in halves if tail for letter in ascii_lowercase}
    inserted = {head + letter + tail for head, tail in halves for letter in ascii_lowercase}
    return sorted((deleted | swapped | replaced | inserted) - {word})


def readings(word):
    """The words one edit from ``word`` that keep its first letter (as every correction does: ``spelling``)."""
    return [reading for reading in one_edit(word) if reading[:1] == word[:1]]


def split_near(word, vocabulary):
    """The syllables of a run-together word one edit away from ``word`` ("cafphe" → ("ca", "phe")), or None.

    For a word the catalogue does not know (spelling help tries ``split`` first); of every reading one edit away
    (``readings``) that is not a known word itself, the best split (fewest syllables, then most used pairs) wins.
    Syllables are looked up in a set and segments of the letters after the slip are shared between readings, so
    the several hundred readings of a word cost a millisecond or two.
    """
    if len(word) < MIN_NEAR_LENGTH or not word.isalnum() or vocabulary.anywhere(word):
        return None
    syllables, memo, best = _Syllables(vocabulary), {}, None
    for reading in readings(word):
        found = _segment(reading, None, syllables, memo)
        if found is None or len(found[1]) < 2 or (best is not None and found[0] <= best[0]):
            continue
        if not vocabulary.anywhere(reading):
            best = found
    return best[1] if best is not None else None
