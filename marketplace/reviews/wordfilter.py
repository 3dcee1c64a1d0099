"""The word filter: obvious abuse holds a review for an admin (``data/held_words.json``, a small reviewed list).

Whole words only, on the lower-cased NFC text with its diacritics as written: "lồn" is held, "lon nước" is not.
A phrase of the list matches the same words in a row.
"""

import functools
import json
import re
from pathlib import Path

from marketplace.core.text import nfc

PATH = Path(__file__).resolve().parent / "data" / "held_words.json"
WORD = re.compile(r"\w+")


@functools.cache
def phrases():
    """The listed phrases as tuples of words, Vietnamese and English together."""
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return frozenset(tuple(WORD.findall(nfc(entry).lower())) for entry in (*data["vi"], *data["en"]))


def words_of(text):
    """The words of ``text`` as the filter reads them (NFC, lower case, diacritics kept)."""
    return WORD.findall(nfc(text or "").lower())


def held_words(text):
    """The listed phrases found in ``text``, in the order they appear (empty when the text is clean)."""
    words, listed = words_of(text), phrases()
    longest = max((len(phrase) for phrase in listed), default=0)
    found = []
    for start in range(len(words)):
        for size in range(1, longest + 1):
            phrase = tuple(words[start:start + size])
            if len(phrase) == size and phrase in listed and " ".join(phrase) not in found:
                found.append(" ".join(phrase))
    return found
