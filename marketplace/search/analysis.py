"""Vietnamese text analysis, the same for documents and queries.

Syllables are folded (NFC, lower-case, diacritics stripped, đ → d); an "exact" variant keeps the diacritics so
that "bánh" ranks above "bành" when typed with accents; adjacent-syllable pairs ("ca_phe") make multi-syllable
words ("cà phê", "mắc ca", "nước mắm") rank whole-word matches first.
"""

import re
import unicodedata

from whoosh.analysis import Filter, Token, Tokenizer

from marketplace.core.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)


def exact_words(text):
    """Lower-case NFC words with their diacritics."""
    return _WORD.findall(unicodedata.normalize("NFC", text or "").lower())


def folded_words(text):
    """Folded words: diacritics stripped, đ → d (the whole text is folded once, then split)."""
    return _WORD.findall(fold(text or ""))


def pairs(words):
    """Adjacent-word pairs joined by ``_``."""
    return [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def folded_pairs(text):
    """Adjacent pairs of the folded words of ``text``."""
    return pairs(folded_words(text))


class WordsTokenizer(Tokenizer):
    """Emits the words of a text as produced by ``split`` (a function of the text)."""

    def __init__(self, split):
        self.split = split

    def __eq__(self, other):
        """Tokenizers are equal when they split the same way (Whoosh compares schemas)."""
        return type(self) is type(other) and self.split is other.split

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        """Yield one token per word (Whoosh's tokenizer protocol)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, word in enumerate(self.split(value) if tokenize else [value], start=start_pos):
            token.text = token.original = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = position
            yield token


class _Identity(Filter):
    """Placeholder filter so analyzers are composable like Whoosh's own."""

    def __call__(self, tokens):
        yield from tokens


def folded_analyzer():
    """Analyzer of folded words."""
    return WordsTokenizer(folded_words) | _Identity()


def exact_analyzer():
    """Analyzer of words with their diacritics."""
    return WordsTokenizer(exact_words) | _Identity()


def pairs_analyzer():
    """Analyzer of adjacent folded-word pairs."""
    return WordsTokenizer(folded_pairs) | _Identity()
