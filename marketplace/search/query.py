"""Answering a search: matching, filters, facets, sorting, one page, and spelling help."""

from dataclasses import dataclass, field

import numpy as np

from marketplace.search import ratings
from marketplace.search.matching import Plan, matching, name_matches, scores
from marketplace.search.spelling import corrected_text

FEW_RESULTS = 3
#: Out-of-stock products rank after in-stock ones unless clearly more relevant (within 25 % counts as a tie).
OUT_OF_STOCK_FACTOR = 0.75


@dataclass
class Found:
    """Product ids of one page in rank order, the total, facet counts and any spelling help."""

    product_ids: list
    total: int
    facets: dict = field(default_factory=dict)
    corrected: str | None = None  #: the query answered instead of what was typed (which found nothing)
    suggestion: str | None = None  #: "did you mean", when what was typed found little
    approximate: bool = False  #: nothing matched exactly: these are near matches
    relevant: int = 0  #: how many of ``total`` hold what was typed in their names (the measure of good matches)


def filter_masks(columns, filters, today_ordinal):
    """Boolean masks, one per active filter (named), plus the always-on "listed today" mask."""
    values = columns.values
    masks = {"listed": columns.live & (values["listed_until"] >= today_ordinal)}
    if filters.province_code:
        masks["province"] = values["province"] == columns.code("province", filters.province_code)
    if filters.criteria_codes:
        codes = [columns.code("criteria", code) for code in filters.criteria_codes]
        masks["group"] = np.isin(values["criteria"], codes)
    if filters.min_stars:
        masks["stars"] = values["stars"] >= filters.min_stars
    if filters.price_min is not None:
        masks["price_min"] = values["price"] >= filters.price_min
    if filters.price_max is not None:
        masks["price_max"] = values["price"] <= filters.price_max
    if filters.in_stock:
        masks["in_stock"] = values["in_stock"] > 0
    if filters.entity_id:
        masks["entity"] = values["entity"] == columns.code("entity", str(filters.entity_id))
    return masks


def combine(matched, masks, skip=None):
    """``matched`` and every mask except ``skip``."""
    result = matched.copy()
    for name, mask in masks.items():
        if name != skip:
            result &= mask
    return result


def count_facets(columns, matched, masks):
    """Counts by province, criteria set and stars; each respects every other active filter."""
    counts = {}
    for dimension, column in (("province", "province"), ("group", "criteria"), ("stars", "stars")):
        selected = columns.values[column][combine(matched, masks, skip=dimension)]
        values, frequencies = np.unique(selected, return_counts=True)
        labels = columns.labels.get(column)
        counts[dimension] = {(labels[v] if labels is not None else int(v)): int(n)
                             for v, n in zip(values, frequencies, strict=True)}
    return counts


def sort_keys(values, selected, sort):
    """numpy.lexsort keys (the last key sorts first) for a non-relevance order."""
    newest = (-values["product_id"][selected], -values["created"][selected])
    if sort == "rating":  # reads the listings' review counters (one query), only when asked
        return (*newest, -values["in_stock"][selected], *ratings.lexsort_keys(values["product_id"][selected]))
    keys = {
        "newest": newest,
        "price_asc": (-values["product_id"][selected], values["price"][selected]),
        "price_desc": (-values["product_id"][selected], -values["price"][selected]),
        "stars": (*newest, -values["in_stock"][selected], -values["stars"][selected]),
        "relevance": (*newest, -values["in_stock"][selected]),
    }
    return keys.get(sort, newest)


def relevance_order(columns, plan, selected):
    """``selected`` by relevance; out-of-stock products after in-stock ones of similar relevance."""
    values = columns.values
    live_lengths = values["name_len"][columns.live]
    average = float(live_lengths.mean()) if len(live_lengths) else 1.0
    relevance = scores(columns.postings, plan, selected, values["name_len"], average)
    relevance = relevance * np.where(values["in_stock"][selected] > 0, 1.0, OUT_OF_STOCK_FACTOR)
    return selected[np.lexsort((*sort_keys(values, selected, "newest"), -np.round(relevance, 6)))]


def attempt(columns, filters, today_ordinal, with_facets, text=None, fuzzy=False):
    """One pass: match, filter, order, page, facets."""
    plan = Plan.of(text if text is not None else filters.q, fuzzy=fuzzy, vocabulary=columns.postings.vocabulary)
    matched = matching(columns.postings, plan) & columns.live if plan is not None else columns.live.copy()
    masks = filter_masks(columns, filters, today_ordinal)
    selected = np.nonzero(combine(matched, masks))[0]
    start, stop = (filters.page - 1) * filters.per_page, filters.page * filters.per_page
    if filters.sort == "relevance" and plan is not None:
        ordered = relevance_order(columns, plan, selected)
    else:
        ordered = selected[np.lexsort(sort_keys(columns.values, selected, filters.sort))]
    page = ordered[start:stop]
    facets = count_facets(columns, matched, masks) if with_facets else {}
    relevant = int(name_matches(columns.postings, plan)[selected].sum()) if plan is not None else len(selected)
    return Found(product_ids=columns.values["product_id"][page].tolist(), total=int(len(selected)), facets=facets,
                 relevant=relevant)


def run(engine, filters, today_ordinal, with_facets=True):
    """Search: text, filters, sort, one page, total, facets; spelling help when little matched.

    A query with good matches (several results, some holding the typed words in their names) is answered as
    typed. Otherwise the catalogue's nearest words are tried, and kept only when they find more relevant
    products: offered as ``suggestion`` beside what was found, answered directly when nothing was. Nothing at
    all: approximate matching.
    """
    searcher, columns = engine.searcher()
    found = attempt(columns, filters, today_ordinal, with_facets)
    if not filters.q or (found.total >= FEW_RESULTS and found.relevant):
        return found
    corrected = corrected_text(searcher, filters.q, columns.postings.vocabulary)
    if corrected:
        retry = attempt(columns, filters, today_ordinal, with_facets and not found.total, text=corrected)
        if retry.relevant > found.relevant:
            if found.total:
                found.suggestion = corrected
                return found
            retry.corrected = corrected
            return retry
    if found.total:
        return found
    if (retry := attempt(columns, filters, today_ordinal, with_facets, fuzzy=True)).total:
        retry.approximate = True
        return retry
    return found


def suggest(engine, text, today_ordinal, limit=8):
    """Listed product ids whose names start like ``text`` (the last word may be partial), best first.

    A glossary term ("coffee", "cafe", "nuocmam", "trà") also suggests the names holding its Vietnamese words,
    ranked after the names holding the words as typed (``matching.expansion_scores``).
    """
    _, columns = engine.searcher()
    plan = Plan.of(text, vocabulary=columns.postings.vocabulary)
    if plan is None:
        return []
    postings = columns.postings
    names = postings.mask("prefix", "name", plan.words[-1])
    for word in plan.words[:-1]:
        names = names & postings.mask("term", "name", word)
    if plan.expansions:
        names = names | name_matches(postings, plan)
    selected = np.nonzero(names & columns.live & (columns.values["listed_until"] >= today_ordinal))[0]
    return columns.values["product_id"][relevance_order(columns, plan, selected)[:limit]].tolist()
