"""A product document as a ``search_document`` row: facts for filters and sorts, lexemes for matching and ranking.

Lexemes are the words of ``analysis.py``, marked by what they are: plain folded words of the name and body,
``c~`` category words, ``n~`` name words, ``e~`` name words typed with diacritics, ``p~`` adjacent pairs of the
name, ``l~`` adjacent pairs of the place (the Whoosh fields ``body``, ``category``, ``name``, ``name_exact``,
``name_pairs`` and ``place``). Literals are built here and cast by PostgreSQL, so no text-search parser is involved.
"""

from datetime import date
from functools import lru_cache

from marketplace.core.text import fold
from marketplace.search.analysis import exact_words, folded_pairs, folded_words, pairs

NAME, EXACT, PAIR, PLACE, CATEGORY = "n~", "e~", "p~", "l~", "c~"
#: Whoosh field → lexeme mark, for document frequencies.
FIELDS = {"name": NAME, "name_exact": EXACT, "name_pairs": PAIR, "place": PLACE}
DOCUMENTS, LENGTH = "#docs", "#length"  #: totals kept beside the term counts
LONGEST = 200  #: longer "words" (a pasted code, a link) are not indexed: nobody types them


def quoted(lexeme):
    """``lexeme`` as a quoted tsvector/tsquery literal."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vector(lexemes):
    """A tsvector literal of ``lexemes`` (no positions: presence is what counts; PostgreSQL sorts them)."""
    return " ".join(quoted(lexeme) for lexeme in lexemes if len(lexeme) <= LONGEST)


@lru_cache(maxsize=256)
def category_lexemes(category):
    """``c~`` lexemes of a classification text (one of a few dozen)."""
    return frozenset(CATEGORY + word for word in folded_words(category))


def name_lexemes(name, place, words=None, exact=None):
    """What ranks a document: name words, words with diacritics, pairs of the name and of the place."""
    words = folded_words(name) if words is None else words
    exact = diacritic_words(name) if exact is None else exact
    return ({NAME + word for word in words} | {EXACT + word for word in exact} | {PAIR + pair for pair in pairs(words)}
            | {PLACE + pair for pair in folded_pairs(place)})


def diacritic_words(name):
    """The words of ``name`` that carry diacritics, lower-case (``e~`` lexemes)."""
    return {word for word in exact_words(name) if word != fold(word)}


def match_lexemes(name, body, category, words=None, exact=None):
    """What a typed word may match: words of the name and body, category words, and the name's own lexemes."""
    words = folded_words(name) if words is None else words
    exact = diacritic_words(name) if exact is None else exact
    return (set(words) | set(folded_words(body)) | category_lexemes(category) | {NAME + word for word in words}
            | {EXACT + word for word in exact})


def row(document):
    """The ``search_document`` values of one document (``documents.document``)."""
    words, exact = folded_words(document["name"]), diacritic_words(document["name"])
    name_terms = name_lexemes(document["name"], document["place"], words, exact)
    terms = match_lexemes(document["name"], document["body"], document["category"], words, exact)
    return {
        "product_id": int(document["product_id"]), "entity_id": int(document["entity"].decode()),
        "province": document["province"].decode(), "criteria": document["criteria"].decode(),
        "stars": document["stars"], "price": document["price"], "in_stock": bool(document["in_stock"]),
        "listed_until": date.fromordinal(document["listed_until"]), "created": document["created"],
        "name_len": document["name_len"], "name_terms": vector(name_terms), "terms": vector(terms),
        "counted": sorted(lexeme for lexeme in name_terms if len(lexeme) <= LONGEST),  #: kept in search_term
        "matched": sorted(lexeme for lexeme in terms if len(lexeme) <= LONGEST),
    }
