"""Marking the words of a name that match what was typed (diacritic-insensitive), for result pages."""

import re

from markupsafe import Markup, escape

from marketplace.core.text import fold
from marketplace.search.analysis import folded_words

_WORDS = re.compile(r"(\w+)", re.UNICODE)


def highlight(text, query):
    """``text`` with the words matching ``query`` wrapped in <mark> (the last typed word may be a prefix)."""
    words = folded_words(query or "")
    if not words or not text:
        return escape(text or "")
    complete, partial = set(words[:-1]), words[-1]
    parts = []
    for piece in _WORDS.split(text):
        folded = fold(piece)
        if piece and _WORDS.fullmatch(piece) and (folded in complete or folded.startswith(partial)):
            parts.append(Markup("<mark>%s</mark>") % piece)
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)
