"""Which documents match what was typed, and how well: term masks from Whoosh, arithmetic in numpy.

Every typed word must appear in the name, the body or the category; the last one may also be the start of
a name word. Scores are BM25-like over names only (inverse document frequency, name-length normalisation),
plus bonuses for whole two-syllable words ("cà phê"), for the province named in the query, and for words
typed with their exact diacritics. Masks of single terms are cached per index generation, so common words
cost one lookup however often they are typed.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q  # noqa: N812

from marketplace.core.text import fold
from marketplace.search.analysis import exact_words, folded_words, pairs

#: Where a typed word may be found for a document to match.
MATCH_FIELDS = ("name", "body", "category")
#: Words that say nothing about which product is wanted ("đặc sản", "sản phẩm", "OCOP", "mua"...).
FILLER = {("dac", "san"), ("san", "pham"), ("ocop",), ("mua",), ("chinh", "hang"), ("gia", "re"), ("loai", "1")}
PREFIX_WEIGHT = 0.25  #: a completion of the last word counts a quarter of the word itself
PAIR_BONUS, PLACE_BONUS, EXACT_BONUS = 2.0, 1.5, 0.5
LENGTH_B = 0.75  #: BM25's length normalisation
CACHE_SIZE = 4096


def strip_filler(words):
    """Remove filler phrases, unless nothing else was typed."""
    kept, i = [], 0
    while i < len(words):
        for phrase in sorted(FILLER, key=len, reverse=True):
            if tuple(words[i:i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            kept.append(words[i])
            i += 1
    return kept or words


@dataclass(frozen=True)
class Plan:
    """What was typed, analysed: folded words, word pairs, and the words typed with diacritics."""

    words: tuple
    pairs: tuple
    exact: tuple
    fuzzy: bool = False

    @classmethod
    def of(cls, text, fuzzy=False):
        """Analyse ``text`` (None when nothing searchable was typed)."""
        words = tuple(strip_filler(folded_words(text)))
        if not words:
            return None
        exact = tuple(word for word in exact_words(text) if word != fold(word) and fold(word) in words)
        return cls(words=words, pairs=tuple(pairs(list(words))), exact=exact, fuzzy=fuzzy)


class Postings:
    """Document masks of single terms, prefixes and fuzzy terms for one searcher (LRU-cached)."""

    def __init__(self, searcher, size):
        self.searcher, self.size = searcher, size
        self.reader = searcher.reader()
        self.cache = OrderedDict()

    def mask(self, kind, field, text):
        """Boolean array of the documents containing ``text`` in ``field`` (``kind``: term, prefix, fuzzy)."""
        key = (kind, field, text)
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        query = {"term": lambda: Q.Term(field, text), "prefix": lambda: Q.Prefix(field, text),
                 "fuzzy": lambda: Q.FuzzyTerm(field, text, maxdist=1, prefixlength=1)}[kind]()
        mask = np.zeros(self.size, dtype=bool)
        docnums = list(self.searcher.docs_for_query(query))
        if docnums:
            mask[docnums] = True
        self.cache[key] = mask
        if len(self.cache) > CACHE_SIZE:
            self.cache.popitem(last=False)
        return mask

    def idf(self, field, text):
        """Inverse document frequency of a term."""
        return math.log(1 + self.size / (1 + self.reader.doc_frequency(field, text)))


def word_mask(postings, plan, position):
    """Documents in which typed word ``position`` occurs (approximately, in names, when fuzzy)."""
    word = plan.words[position]
    if plan.fuzzy and len(word) >= 4:  # approximate matching in names only: the body vocabulary is too large
        return postings.mask("fuzzy", "name", word)
    mask = np.zeros(postings.size, dtype=bool)
    for field in MATCH_FIELDS:
        mask |= postings.mask("term", field, word)
    if position == len(plan.words) - 1:
        mask |= postings.mask("prefix", "name", word)
    return mask


def matching(postings, plan):
    """Documents that contain every typed word."""
    result = word_mask(postings, plan, 0)
    for position in range(1, len(plan.words)):
        result = result & word_mask(postings, plan, position)
    return result


def scores(postings, plan, docnums, name_lengths, average_length):
    """Relevance of ``docnums`` (numpy array of document numbers) for ``plan``."""
    total = np.zeros(len(docnums))
    for position, word in enumerate(plan.words):
        kind = "fuzzy" if plan.fuzzy and len(word) >= 4 else "term"
        weight = postings.idf("name", word)
        total += weight * postings.mask(kind, "name", word)[docnums]
        if position == len(plan.words) - 1 and kind == "term":
            completions = postings.mask("prefix", "name", word) & ~postings.mask("term", "name", word)
            total += PREFIX_WEIGHT * weight * completions[docnums]
    norm = (1 - LENGTH_B) + LENGTH_B * name_lengths[docnums] / max(average_length, 1.0)
    total = total / norm
    for pair in plan.pairs:
        total += PAIR_BONUS * postings.idf("name_pairs", pair) * postings.mask("term", "name_pairs", pair)[docnums]
        total += PLACE_BONUS * postings.mask("term", "place", pair)[docnums]
    for word in plan.exact:
        total += EXACT_BONUS * postings.idf("name_exact", word) * postings.mask("term", "name_exact", word)[docnums]
    return total
