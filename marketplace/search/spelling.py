"""Spelling help from the catalogue's own vocabulary: the nearest known word for each unknown one.

An unknown word is read as a catalogue word one edit away, else as a run-together word one edit away split into
the catalogue's syllables ("cafphe" → "ca phe"), else as a glossary word one edit away ("coffe" → "coffee"),
else (long words only) as a catalogue word two edits away. Whether a reading is offered is the caller's rule
(``query.run``): only when what was typed found little, and only when the reading finds more.
"""

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


def near_glossary_key(word):
    """A one-word glossary key one edit away from ``word`` ("coffe" → "coffee"), or None."""
    if len(word) < joined.MIN_NEAR_LENGTH:
        return None
    keys = [reading for reading in joined.readings(word) if glossary.is_key(reading)]
    return min(keys, key=lambda key: (-common_prefix(word, key), key), default=None)


def common_prefix(a, b):
    """How many leading letters ``a`` and ``b`` share (a slip is more often late in a word than early)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def reading(word, nearest, vocabulary):
    """How an unknown ``word`` is read, given the catalogue's ``nearest`` word (see the module), or None."""
    if nearest and edit_distance(word, nearest) <= 1:
        return nearest
    if vocabulary is not None and (syllables := joined.split_near(word, vocabulary)):
        return " ".join(syllables)
    return near_glossary_key(word) or nearest


def corrected_text(searcher, text, vocabulary=None):
    """The typed text with each unknown word replaced by its reading, or None."""
    reader = searcher.reader()
    return _read(text, lambda word: understood(word, reader, vocabulary), lambda word: nearest_word(searcher, word),
                 vocabulary)


def corrected_names_text(text, vocabulary):
    """``corrected_text`` for a vocabulary of product names (``joined.NameVocabulary``: the database's fallback)."""
    def known(word):
        return len(word) < 3 or vocabulary.anywhere(word) or glossary.is_key(word) or bool(
            joined.split(word, vocabulary))

    return _read(text, known, lambda word: nearest_name_word(word, vocabulary), vocabulary)


def nearest_name_word(word, vocabulary):
    """``nearest_word`` for a vocabulary of names: same first letter, fewest edits, then most names, or None."""
    limit = max_edits(word)
    candidates = [(distance, -count, known) for known, count in vocabulary.words.items()
                  if known[:1] == word[:1] and abs(len(known) - len(word)) <= limit
                  and (distance := edit_distance(word, known)) <= limit]
    return min(candidates)[2] if candidates else None


def _read(text, known, nearest, vocabulary):
    words, changed = folded_words(text), False
    for i, word in enumerate(words):
        if known(word):
            continue
        suggestion = reading(word, nearest(word), vocabulary)
        if suggestion and suggestion != word:
            words[i], changed = suggestion, True
    return " ".join(words) if changed else None
