"""Browsing from the database while the index cannot answer (see ``health.py``).

The same storefront rule (``listed_products``), filters, facets (each respecting the other filters), sorts and
pages as ``query.py``, with a plain match on names instead of the index's scores: every typed word is a word of the
product's folded name (the last one may be the start of one), or, for a glossary term ("coffee", "cafe", "trà"),
the name holds one of its Vietnamese alternatives (ranked after names holding the words as typed). Run-together
words ("caphe") are split against the listed names' own words (``joined.NameVocabulary``), and a query that finds
fewer than a few products gets the index's spelling help over those words (``spelling.corrected_names_text``: the
nearest listed word, or one slip forgiven inside a run-together word, "cafphe" → "ca phe"), under the same rule.
Slower than the index, but the shop keeps selling, and showing the right totals, until the index is rebuilt.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.search import joined, ratings, spelling
from marketplace.search.analysis import exact_words, folded_words
from marketplace.search.documents import created_timestamp
from marketplace.search.matching import PREFIX_WEIGHT, Plan
from marketplace.search.query import FEW_RESULTS, Found
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.catalog.rules import listed_products, packages_price_and_stock

#: A glossary alternative counts this share of its weight: names holding the words as typed rank first.
ALTERNATIVE_SHARE = 0.9


@dataclass(frozen=True)
class Row:
    """What filters, facets and sorts need of one listed product (the index's columns)."""

    product_id: int
    name: str
    words: tuple  #: folded words of the name
    entity_id: int
    province: str
    criteria: str
    stars: int
    price: int
    in_stock: bool
    created: int


def listed_rows(day):
    """Every product listed on ``day``, as :class:`Row` (two queries)."""
    query = listed_products(day).with_only_columns(
        Product.id.label("product_id"), Product.name, Product.entity_id, Product.province_code,
        Product.criteria_set_code, Certificate.stars, Listing.id.label("listing_id"), Listing.price_vnd, Listing.stock,
        Listing.created_at)
    products = db.session.execute(query).all()
    listed_listings = listed_products(day).with_only_columns(Listing.id)
    variants = {}
    for variant in db.session.execute(
            select(ListingVariant.listing_id, ListingVariant.price_vnd, ListingVariant.stock)
            .where(ListingVariant.listing_id.in_(listed_listings))):
        variants.setdefault(variant.listing_id, []).append(variant)
    rows = {}
    for row in products:
        price, in_stock = packages_price_and_stock(row.price_vnd, row.stock, variants.get(row.listing_id, ()))
        rows[row.product_id] = Row(row.product_id, row.name, tuple(folded_words(row.name)), row.entity_id,
                                   row.province_code, row.criteria_set_code, row.stars, price, in_stock,
                                   created_timestamp(row.created_at))
    return list(rows.values())


@dataclass(frozen=True)
class Wanted:
    """What a name must hold to answer a query (``Plan``), prepared once for every row."""

    typed: tuple  #: the typed words (after splitting run-together ones)
    whole: tuple  #: typed words outside glossary terms that must be words of the name
    last: str | None  #: the last typed word, outside glossary terms: a word of the name or the start of one
    terms: tuple  #: glossary terms: (typed words, alternatives, whether the last of them may be partial)
    words: frozenset  #: the typed words and the alternatives' (where the name holds them first says what it is)

    @classmethod
    def of(cls, plan):
        """Prepare ``plan``."""
        covered, last = plan.covered(), len(plan.words) - 1
        free = [word for position, word in enumerate(plan.words) if position not in covered and position != last]
        terms = tuple((plan.words[start:stop], alternatives, stop - 1 == last)
                      for start, stop, alternatives in plan.expansions)
        alternatives = {word for _, found, _ in terms for alternative in found for word in alternative.words}
        return cls(plan.words, tuple(free), None if last in covered else plan.words[last], terms,
                   frozenset(plan.words) | alternatives)


def typed_in(words, typed, partial):
    """1 when ``words`` hold every word of ``typed``, PREFIX_WEIGHT when the last (``partial``) only starts one."""
    *whole, last = typed
    if not all(word in words for word in whole):
        return 0.0
    if last in words:
        return 1.0
    return PREFIX_WEIGHT if partial and any(word.startswith(last) for word in words) else 0.0


def alternative_in(row, alternative):
    """The name has every word of a glossary alternative (with its diacritics, when it has them)."""
    if not all(word in row.words for word in alternative.words):
        return False
    exact = exact_words(row.name)  # only for the few names holding the words without their diacritics
    return all(accented in exact for word, accented in zip(alternative.words, alternative.exact, strict=False)
               if accented != word)


def term_score(row, typed, alternatives, partial):
    """How the name answers one glossary term: (score, which alternative: 0 for the words as typed or the first).

    As typed, else its best alternative (a share of its weight; the glossary lists the usual word first).
    """
    score = typed_in(row.words, typed, partial)
    if score == 1.0:
        return score, 0
    found = [(ALTERNATIVE_SHARE * alternative.weight, -order) for order, alternative in enumerate(alternatives)
             if alternative_in(row, alternative)]
    best, order = max([(score, 0), *found])
    return best, -order


def relevance(wanted, row):
    """How the name answers ``wanted``: None when it does not; else a sort key, best first.

    Typed words held as words count 1, a completion of the last one ``PREFIX_WEIGHT``, a glossary alternative
    less than the words as typed (``ALTERNATIVE_SHARE`` of its weight: a regional synonym after a spelling or an
    English name); then names holding typed words side by side, then the glossary's usual word (listed first),
    then names naming what was asked first (the product type leads a Vietnamese name).
    """
    words = row.words
    if not all(word in words for word in wanted.whole):
        return None
    score, orders = float(len(wanted.whole)), 0
    if wanted.last is not None:
        if not (found := typed_in(words, (wanted.last,), True)):
            return None
        score += found
    for typed, alternatives, partial in wanted.terms:
        found, order = term_score(row, typed, alternatives, partial)
        if not found:
            return None
        score, orders = score + found, orders + order
    return (-round(score, 6), -side_by_side(wanted.typed, words), orders, first_of(wanted, words))


def first_of(wanted, words):
    """Where the name first holds a wanted word (else a completion of the last typed one): the product type leads."""
    at = [i for i, word in enumerate(words) if word in wanted.words]
    return at[0] if at else next((i for i, word in enumerate(words) if word.startswith(wanted.typed[-1])), len(words))


def side_by_side(typed, words):
    """How many pairs of typed words stand side by side in the name (the last may be the start of a word)."""
    pairs = list(zip(words, words[1:], strict=False))
    last = len(typed) - 1
    return sum(any(a == typed[i] and (b == typed[i + 1] or (i + 1 == last and b.startswith(typed[i + 1])))
                   for a, b in pairs) for i in range(last))


def predicates(filters):
    """One test per active filter, named like the facets they narrow (``query.filter_masks``)."""
    tests = {}
    if filters.province_code:
        tests["province"] = lambda row: row.province == filters.province_code
    if filters.criteria_codes:
        tests["group"] = lambda row: row.criteria in filters.criteria_codes
    if filters.min_stars:
        tests["stars"] = lambda row: row.stars >= filters.min_stars
    if filters.price_min is not None:
        tests["price_min"] = lambda row: row.price >= filters.price_min
    if filters.price_max is not None:
        tests["price_max"] = lambda row: row.price <= filters.price_max
    if filters.in_stock:
        tests["in_stock"] = lambda row: row.in_stock
    if filters.entity_id:
        tests["entity"] = lambda row: row.entity_id == filters.entity_id
    return tests


def passing(rows, tests, skip=None):
    """The rows that pass every test except ``skip``."""
    return [row for row in rows if all(test(row) for name, test in tests.items() if name != skip)]


def sort_key(sort, ranks=None):
    """The order of ``query.sort_keys``; relevance: how the name answers (``ranks``), in stock, then newest."""
    ranks = ranks or {}
    if sort == "rating":
        figures = ratings.rated()
        return lambda row: (*ratings.row_key(row.product_id, figures), not row.in_stock, -row.created, -row.product_id)
    keys = {
        "newest": lambda row: (-row.created, -row.product_id),
        "price_asc": lambda row: (row.price, -row.product_id),
        "price_desc": lambda row: (-row.price, -row.product_id),
        "stars": lambda row: (-row.stars, not row.in_stock, -row.created, -row.product_id),
        "relevance": lambda row: (ranks.get(row.product_id, ()), not row.in_stock, -row.created, -row.product_id),
    }
    return keys.get(sort, keys["newest"])


def matched_rows(plan, rows):
    """The rows whose names answer ``plan`` (all when nothing was typed) and their relevance keys."""
    if plan is None:
        return rows, {}
    wanted = Wanted.of(plan)
    ranks = {row.product_id: rank for row in rows if (rank := relevance(wanted, row)) is not None}
    return [row for row in rows if row.product_id in ranks], ranks


def vocabulary_of(rows):
    """The words and adjacent pairs of the listed names (to split run-together words)."""
    return joined.NameVocabulary(row.words for row in rows)


def answer(rows, filters, text, vocabulary, with_facets):
    """One page of the rows matching ``text`` and ``filters``, the total and the facet counts."""
    matched, ranks = matched_rows(Plan.of(text, vocabulary=vocabulary), rows)
    tests = predicates(filters)
    selected = sorted(passing(matched, tests), key=sort_key(filters.sort, ranks))
    start = (filters.page - 1) * filters.per_page
    facets = {}
    if with_facets:
        for dimension, column in (("province", "province"), ("group", "criteria"), ("stars", "stars")):
            facets[dimension] = dict(Counter(getattr(row, column) for row in passing(matched, tests, dimension)))
    return Found(product_ids=[row.product_id for row in selected[start:start + filters.per_page]],
                 total=len(selected), facets=facets, relevant=len(selected))


def run(filters, day, with_facets=True):
    """One page of listed products matching ``filters``, the total and the facet counts, from the database.

    Spelling help follows ``query.run``'s rule: a reading of what was typed is tried only when it found fewer than
    a few products, and kept only when it finds more (offered beside what was found, answered when nothing was).
    """
    rows = listed_rows(day)
    vocabulary = vocabulary_of(rows)
    found = answer(rows, filters, filters.q, vocabulary, with_facets)
    if not filters.q or found.total >= FEW_RESULTS:
        return found
    corrected = spelling.corrected_names_text(filters.q, vocabulary)
    if corrected:
        retry = answer(rows, filters, corrected, vocabulary, with_facets and not found.total)
        if retry.total > found.total:
            if found.total:
                found.suggestion = corrected
                return found
            retry.corrected = corrected
            return retry
    return found


def suggest(text, day, limit=8):
    """Listed product ids whose names start like ``text`` (the last word may be partial), best first."""
    rows = listed_rows(day)
    plan = Plan.of(text, vocabulary=vocabulary_of(rows))
    if plan is None:
        return []
    found, ranks = matched_rows(plan, rows)
    return [row.product_id for row in sorted(found, key=sort_key("relevance", ranks))[:limit]]
