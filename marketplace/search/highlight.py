"""Marking the words of a name that match what was typed (diacritic-insensitive), for result pages."""

import functools
import re

from markupsafe import Markup, escape

from marketplace.core.text import fold
from marketplace.search.analysis import folded_words

_WORDS = re.compile(r"(\w+)", re.UNICODE)


def highlight(text, query):
    """``text`` with the words matching ``query`` wrapped in <mark> (the last typed word may be a prefix)."""
    if not query or not text:
        return escape(text or "")
    return _highlighted(text, query)


@functools.lru_cache(maxsize=4096)
def _highlighted(text, query):
    """Kept per (name, query): a popular search shows the same names again and again (a pure function)."""
    words = _typed(query)
    if not words:
        return escape(text)
    complete, partial = set(words[:-1]), words[-1]
    parts = []
    for piece in _WORDS.split(text):
        if piece and _WORDS.fullmatch(piece) and _matches(_fold_word(piece), complete, partial):
            parts.append(Markup("<mark>%s</mark>") % piece)
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)


def _matches(folded, complete, partial):
    return folded in complete or folded.startswith(partial)


@functools.lru_cache(maxsize=256)
def _typed(query):
    """The query's folded words (kept: a results page highlights every card's name with the same query)."""
    return tuple(folded_words(query))


@functools.lru_cache(maxsize=8192)
def _fold_word(word):
    """One word of a name, folded (names share their words: "chè", "mật", "ong" …)."""
    return fold(word)
