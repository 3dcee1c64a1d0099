"""Spelling help from the catalogue's own vocabulary: the nearest known word for each unknown one."""

from marketplace.search import glossary, joined
from marketplace.search.analysis import folded_words

LONG_WORD = 7  #: words this long may be two edits away from the catalogue's; shorter ones only one


def edit_distance(a, b):
    """Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def max_edits(word):
    """How far a correction may be from ``word``: one edit, two for long words ("caphe" is not "che")."""
    return 2 if len(word) >= LONG_WORD else 1


def nearest_word(searcher, word):
    """The catalogue word closest to ``word`` (fewest edits, then most frequent), or None."""
    reader = searcher.reader()
    candidates = searcher.corrector("name").suggest(word, limit=20, maxdist=max_edits(word), prefix=1)
    ranked = sorted(candidates, key=lambda c: (edit_distance(word, c), -reader.doc_frequency("name", c), c))
    return ranked[0] if ranked else None


def understood(word, reader, vocabulary):
    """True when ``word`` needs no correction: short, known, in the glossary, or syllables typed together."""
    if len(word) < 3 or reader.doc_frequency("name", word) or reader.doc_frequency("body", word):
        return True
    return glossary.is_key(word) or (vocabulary is not None and joined.split(word, vocabulary) is not None)


def corrected_text(searcher, text, vocabulary=None):
    """The typed text with each unknown word replaced by the catalogue's nearest word, or None."""
    words, changed = folded_words(text), False
    reader = searcher.reader()
    for i, word in enumerate(words):
        if understood(word, reader, vocabulary):
            continue
        suggestion = nearest_word(searcher, word)
        if suggestion and suggestion != word:
            words[i], changed = suggestion, True
    return " ".join(words) if changed else None
