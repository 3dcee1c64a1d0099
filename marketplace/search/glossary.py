"""The search glossary (``data/glossary.json``): how buyers type OCOP product words, as reviewed data.

A typed spelling ("caphe", "cafe", "macca") or English name ("coffee", "fish sauce") is searched as the
Vietnamese words of its entry; a Vietnamese word of an entry marked ``interchangeable`` (chè = trà) also finds
the others. Keys and alternatives are folded like the index (``analysis.folded_words``).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from marketplace.search.analysis import exact_words, folded_words

PATH = Path(__file__).resolve().parent / "data" / "glossary.json"
#: A regional synonym counts this much of the word typed (the word as typed ranks first where it matches).
SYNONYM_WEIGHT = 0.8
LONGEST_KEY = 4  #: words in the longest key ("edible bird s nest")


@dataclass(frozen=True)
class Alternative:
    """Vietnamese words a typed phrase may be searched as: folded, with diacritics, and their weight."""

    words: tuple
    exact: tuple
    weight: float


def read_entries(path=PATH):
    """The glossary's entries as stored."""
    return json.loads(path.read_text(encoding="utf-8"))["entries"]


def _alternatives(phrases, weight):
    return tuple(Alternative(tuple(folded_words(p)), tuple(exact_words(p)), weight) for p in phrases)


def _add(table, key, alternatives):
    key = tuple(folded_words(key))
    kept = [a for a in alternatives if a.words != key]
    if key and kept:
        known = table.setdefault(key, [])
        known.extend(a for a in kept if a.words not in {k.words for k in known})


@cache
def table():
    """``{folded key words: [Alternative…]}`` for every spelling, English name and interchangeable word."""
    result = {}
    for entry in read_entries():
        everything = _alternatives(entry["vi"], 1.0)
        for key in [*entry.get("spellings", []), *entry.get("en", [])]:
            _add(result, key, everything)
        if entry.get("interchangeable"):
            for phrase in entry["vi"]:
                _add(result, phrase, _alternatives(entry["vi"], SYNONYM_WEIGHT))
    return {key: tuple(alternatives) for key, alternatives in result.items()}


def expand(words):
    """``[(start, stop, alternatives)]``: the longest glossary keys found in ``words``, left to right."""
    found, start, known = [], 0, table()
    while start < len(words):
        for size in range(min(LONGEST_KEY, len(words) - start), 0, -1):
            if (alternatives := known.get(tuple(words[start:start + size]))) is not None:
                found.append((start, start + size, alternatives))
                start += size
                break
        else:
            start += 1
    return found


def is_key(word):
    """True when ``word`` alone is a glossary key (it is not split or corrected: the glossary knows it)."""
    return (word,) in table()
