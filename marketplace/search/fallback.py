"""Browsing from the database while the index cannot answer (see ``health.py``).

The same storefront rule (``listed_products``), filters, facets (each respecting the other filters), sorts and
pages as ``query.py``, with a plain match instead of ranking: every typed word is a word of the product's folded
name, the last one may be the start of one. Slower than the index and without spelling help, but the shop keeps
selling, and showing the right totals, until the index is rebuilt.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.search.analysis import folded_words
from marketplace.search.documents import created_timestamp
from marketplace.search.matching import Plan
from marketplace.search.query import Found
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.catalog.rules import listed_products, packages_price_and_stock


@dataclass(frozen=True)
class Row:
    """What filters, facets and sorts need of one listed product (the index's columns)."""

    product_id: int
    words: tuple
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
        rows[row.product_id] = Row(row.product_id, tuple(folded_words(row.name)), row.entity_id, row.province_code,
                                   row.criteria_set_code, row.stars, price, in_stock,
                                   created_timestamp(row.created_at))
    return list(rows.values())


def name_matches(plan, words):
    """Every typed word is a name word; the last may be the start of one."""
    *whole, last = plan.words
    return all(word in words for word in whole) and any(word.startswith(last) for word in words)


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


def sort_key(sort):
    """The order of ``query.sort_keys`` (relevance without scores: in stock first, then newest)."""
    keys = {
        "newest": lambda row: (-row.created, -row.product_id),
        "price_asc": lambda row: (row.price, -row.product_id),
        "price_desc": lambda row: (-row.price, -row.product_id),
        "stars": lambda row: (-row.stars, not row.in_stock, -row.created, -row.product_id),
        "relevance": lambda row: (not row.in_stock, -row.created, -row.product_id),
    }
    return keys.get(sort, keys["newest"])


def run(filters, day, with_facets=True):
    """One page of listed products matching ``filters``, the total and the facet counts, from the database."""
    plan = Plan.of(filters.q)
    rows = listed_rows(day)
    matched = [row for row in rows if name_matches(plan, row.words)] if plan is not None else rows
    tests = predicates(filters)
    selected = sorted(passing(matched, tests), key=sort_key(filters.sort))
    start = (filters.page - 1) * filters.per_page
    facets = {}
    if with_facets:
        for dimension, column in (("province", "province"), ("group", "criteria"), ("stars", "stars")):
            facets[dimension] = dict(Counter(getattr(row, column) for row in passing(matched, tests, dimension)))
    return Found(product_ids=[row.product_id for row in selected[start:start + filters.per_page]],
                 total=len(selected), facets=facets)


def suggest(text, day, limit=8):
    """Listed product ids whose names start like ``text`` (the last word may be partial)."""
    plan = Plan.of(text)
    if plan is None:
        return []
    found = [row for row in listed_rows(day) if name_matches(plan, row.words)]
    return [row.product_id for row in sorted(found, key=sort_key("relevance"))[:limit]]
