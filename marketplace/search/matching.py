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
from marketplace.search import glossary, joined
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


def split_joined(words, vocabulary):
    """``words`` with each run-together word ("caphe") split into the catalogue's syllables ("ca", "phe")."""
    if vocabulary is None:
        return words
    result = []
    for word in words:
        syllables = None if glossary.is_key(word) else joined.split(word, vocabulary)
        result.extend(syllables or (word,))
    return result


@dataclass(frozen=True)
class Plan:
    """What was typed, analysed: folded words, word pairs, the words typed with diacritics, and expansions.

    ``expansions`` are ``(start, stop, alternatives)``: typed words ``start:stop`` may also be found as any of
    the glossary's alternatives (Vietnamese words for "coffee", "cafe", "trà"...).
    """

    words: tuple
    pairs: tuple
    exact: tuple
    fuzzy: bool = False
    expansions: tuple = ()

    @classmethod
    def of(cls, text, fuzzy=False, vocabulary=None):
        """Analyse ``text`` (None when nothing searchable was typed); ``vocabulary`` splits run-together words."""
        words = tuple(split_joined(strip_filler(folded_words(text)), vocabulary))
        if not words:
            return None
        exact = tuple(word for word in exact_words(text) if word != fold(word) and fold(word) in words)
        expansions = tuple(glossary.expand(words)) if not fuzzy else ()
        return cls(words=words, pairs=tuple(pairs(list(words))), exact=exact, fuzzy=fuzzy, expansions=expansions)

    def covered(self):
        """Positions of typed words that belong to an expansion."""
        return {position for start, stop, _ in self.expansions for position in range(start, stop)}


class Postings:
    """Document masks of single terms, prefixes and fuzzy terms for one searcher (LRU-cached)."""

    def __init__(self, searcher, size):
        self.searcher, self.size = searcher, size
        self.reader = searcher.reader()
        self.vocabulary = joined.Vocabulary(self.reader)
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


def phrase_mask(postings, words):
    """Documents with every one of ``words`` in their name, body or category."""
    result = np.ones(postings.size, dtype=bool)
    for word in words:
        found = np.zeros(postings.size, dtype=bool)
        for field in MATCH_FIELDS:
            found |= postings.mask("term", field, word)
        result &= found
    return result


def matching(postings, plan):
    """Documents that contain every typed word (or, for an expanded phrase, one of its alternatives)."""
    covered = plan.covered()
    result = np.ones(postings.size, dtype=bool)
    for position in range(len(plan.words)):
        if position not in covered:
            result &= word_mask(postings, plan, position)
    for start, stop, alternatives in plan.expansions:
        typed = np.ones(postings.size, dtype=bool)
        for position in range(start, stop):
            typed &= word_mask(postings, plan, position)
        for alternative in alternatives:
            typed |= phrase_mask(postings, alternative.words)
        result &= typed
    return result


def alternative_in_name(postings, alternative):
    """Documents whose name has every word of ``alternative`` (with its diacritics, when it has them)."""
    result = np.ones(postings.size, dtype=bool)
    for word, exact in zip(alternative.words, alternative.exact, strict=False):
        result &= postings.mask("term", "name_exact", exact) if exact != word else postings.mask("term", "name", word)
    return result


def alternative_score(postings, alternative, docnums, norm):
    """How well the names of ``docnums`` match one glossary alternative: all its words, as a whole word."""
    present = alternative_in_name(postings, alternative)[docnums]
    score = sum(postings.idf("name", word) for word in alternative.words) * present / norm
    for pair in pairs(list(alternative.words)):
        score += PAIR_BONUS * postings.idf("name_pairs", pair) * present
    return score


def name_matches(postings, plan):
    """Documents whose name holds what was typed: every word (or, for an expanded phrase, an alternative)."""
    covered = plan.covered()
    result = np.ones(postings.size, dtype=bool)
    for position, word in enumerate(plan.words):
        if position not in covered:
            kind = "fuzzy" if plan.fuzzy and len(word) >= 4 else "term"
            found = postings.mask(kind, "name", word)
            if position == len(plan.words) - 1 and kind == "term":
                found = found | postings.mask("prefix", "name", word)
            result &= found
    for start, stop, alternatives in plan.expansions:
        typed = np.ones(postings.size, dtype=bool)
        for word in plan.words[start:stop]:
            typed &= postings.mask("term", "name", word)
        for alternative in alternatives:
            typed |= alternative_in_name(postings, alternative)
        result &= typed
    return result


def expansion_scores(postings, plan, docnums, norm):
    """Scores of the glossary alternatives, for documents whose names lack the words as typed.

    A regional synonym scores at most its weight times what the typed words would have scored, so the word as
    typed ranks first where it matches; a spelling or English name has no such cap (it is not in names).
    """
    total = np.zeros(len(docnums))
    for start, stop, alternatives in plan.expansions:
        typed_words = plan.words[start:stop]
        typed_in_name = np.ones(len(docnums), dtype=bool)
        for word in typed_words:
            typed_in_name &= postings.mask("term", "name", word)[docnums]
        cap = sum(postings.idf("name", word) for word in typed_words) / norm + sum(
            PAIR_BONUS * postings.idf("name_pairs", pair) for pair in pairs(list(typed_words)))
        best = np.zeros(len(docnums))
        for alternative in alternatives:
            score = alternative_score(postings, alternative, docnums, norm)
            if alternative.weight < 1.0:
                score = np.minimum(score, cap)
            best = np.maximum(best, alternative.weight * score)
        total += np.where(typed_in_name, 0.0, best)
    return total


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
    if plan.expansions:
        total += expansion_scores(postings, plan, docnums, norm)
    return total
