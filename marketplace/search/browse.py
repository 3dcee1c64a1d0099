"""The storefront's read path: what the shopper asked for (filters), one page of listed products, facets."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from marketplace.core import memo
from marketplace.core.input import MAX_ID, NumberError, number_message, whole_number
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces, resolve_group, resolve_province
from marketplace.search import fallback, health, postgres
from marketplace.search import query as _query
from marketplace.search.postgres import health as postgres_health
from marketplace.search.postgres import query as postgres_query
from marketplace.shop.catalog.queries import load_card_data, load_cards

SORTS = ("relevance", "newest", "price_asc", "price_desc", "stars", "rating")
MAX_PRICE = 10**12  #: a price filter above a trillion đồng means nothing
MAX_PAGE = 100_000  #: deep enough for any catalogue; keeps offsets small for the database


class FilterError(ValueError):
    """Query parameters that cannot be understood (the API answers 400; pages show them and ignore them).

    ``problems`` lists every one as ``(parameter, message)``; ``parameter`` and ``message`` are the first's.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{parameter}: {message}" for parameter, message in self.problems))
        self.parameter, self.message = self.problems[0]


@dataclass
class Filters:
    """What the shopper asked for (contract §4 query parameters), already resolved."""

    q: str = ""
    province_code: str | None = None
    criteria_codes: list | None = None
    group: str = ""
    min_stars: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool = False
    entity_id: int | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = 24


#: Bounds of the numeric parameters: (minimum, maximum); the maximum keeps every value a database can compare.
NUMBERS = {"min_stars": (1, 5), "price_min": (0, MAX_PRICE), "price_max": (0, MAX_PRICE), "entity_id": (1, MAX_ID),
           "page": (1, MAX_PAGE)}


def _quoted(raw):
    return raw if len(raw) <= 40 else raw[:40] + "…"


def _text_filters(args, filters, problems):
    if raw := (args.get("province") or "").strip():
        province = resolve_province(raw)
        if province is None:
            problems.append(("province", _("“%(value)s” is not a province code, slug or name.", value=_quoted(raw))))
        else:
            filters.province_code = province.code
    if raw := (args.get("group") or "").strip():
        codes = resolve_group(raw)
        if codes is None:
            problems.append(("group", _("“%(value)s” is not a criteria-set code 01-26 or a sector I-VI.",
                                        value=_quoted(raw))))
        else:
            filters.criteria_codes, filters.group = codes, raw.upper()
    filters.in_stock = (args.get("in_stock") or "").lower() in ("true", "1", "yes", "on")
    filters.sort = (args.get("sort") or "").strip() or ("relevance" if filters.q else "newest")
    if filters.sort not in SORTS:
        problems.append(("sort", _("“%(value)s” is not one of %(choices)s.", value=_quoted(filters.sort),
                                   choices=", ".join(SORTS))))
        filters.sort = "relevance" if filters.q else "newest"


def _number_filters(args, filters, problems, max_per_page):
    bounds = {**NUMBERS, "per_page": (1, max_per_page)}
    for name, (minimum, maximum) in bounds.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            setattr(filters, name, whole_number(raw, minimum, maximum))
        except NumberError as error:
            problems.append((name, number_message(error)))


def read_filters(args, default_per_page=24, max_per_page=100):
    """What could be understood of the request arguments as :class:`Filters`, and every problem found."""
    filters = Filters(q=(args.get("q") or "").strip()[:200], per_page=default_per_page)
    problems = []
    _text_filters(args, filters, problems)
    _number_filters(args, filters, problems, max_per_page)
    return filters, problems


def parse_filters(args, default_per_page=24, max_per_page=100):
    """Turn request arguments into :class:`Filters`; raise FilterError listing all that cannot be understood."""
    filters, problems = read_filters(args, default_per_page, max_per_page)
    if problems:
        raise FilterError(problems)
    return filters


@dataclass
class Page:
    """A page of product cards, the total and the facet counts."""

    items: list
    total: int
    filters: Filters
    facets: dict = field(default_factory=dict)
    corrected: str | None = None  #: the query actually answered when what was typed found nothing
    suggestion: str | None = None  #: "did you mean", when what was typed found little
    approximate: bool = False  #: nothing matched exactly: near matches are shown

    @property
    def pages(self):
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.filters.per_page))


def facet_lists(counts):
    """Facet counts as the API and pages show them, most frequent first."""
    def ordered(bucket):
        return sorted(bucket.items(), key=lambda item: (-item[1], str(item[0])))

    return {
        "province": [{"code": code, "name": provinces()[code].name, "slug": provinces()[code].slug, "count": n}
                     for code, n in ordered(counts.get("province", {}))],
        "group": [{"code": code, "name": criteria_sets()[code].name_vi, "name_en": criteria_sets()[code].name_en,
                   "count": n} for code, n in ordered(counts.get("group", {}))],
        "stars": [{"value": stars, "count": n} for stars, n in sorted(counts.get("stars", {}).items(), reverse=True)],
    }


def find(filters, day: date, with_facets=True):
    """Product ids of one page, total, facets and spelling help, from the index.

    While the index cannot answer (noticed, logged and rebuilt by ``health.py``), from the database.
    ``SEARCH_BACKEND=postgres``: from the documents table (``postgres/``), or the database while it cannot answer.
    """
    if postgres.enabled():
        return _find_in_postgres(filters, day, with_facets)
    engine = health.usable_engine(day)
    if engine is not None:
        try:
            return _query.run(engine, filters, day.toordinal(), with_facets=with_facets)
        except Exception as error:  # noqa: BLE001 - a damaged index must not take the shop down
            health.query_failed(engine, error)
    return fallback.run(filters, day, with_facets)


def _find_in_postgres(filters, day, with_facets):
    found = postgres_health.answer(db.session, day, filters.q,
                                   lambda stats: postgres_query.run(stats, filters, day, with_facets),
                                   lambda found: found.total == 0)
    return found if found is not None else fallback.run(filters, day, with_facets)


def suggest_ids(text, day: date, limit=8):
    """Ids of listed products whose names start like ``text``, best first (from the database when need be)."""
    if postgres.enabled():
        found = postgres_health.answer(db.session, day, text,
                                       lambda stats: postgres_query.suggest(stats, text, day, limit),
                                       lambda ids: not ids)
        return found if found is not None else fallback.suggest(text, day, limit)
    engine = health.usable_engine(day)
    if engine is not None:
        try:
            return _query.suggest(engine, text, day.toordinal(), limit=limit)
        except Exception as error:  # noqa: BLE001
            health.query_failed(engine, error)
    return fallback.suggest(text, day, limit)


def browse(filters, day: date, with_facets=True):
    """One page of listed products matching ``filters`` on ``day``, with total, facets and any correction."""
    found = find(filters, day, with_facets=with_facets)
    return Page(items=load_cards(found.product_ids, day), total=found.total, filters=filters,
                facets=facet_lists(found.facets) if with_facets else {}, corrected=found.corrected,
                suggestion=found.suggestion, approximate=found.approximate)


def browse_cards(filters, day: date, with_facets=True):
    """:func:`browse` with plain cards (``CardData``); a page without words is computed once per generation.

    Pages without words (the listing, a province's, an entity's, a category's) are the same for every visitor of
    the day until the catalogue changes: core/memo keeps them under the catalogue generation, day and language.
    """
    def compute():
        found = find(filters, day, with_facets=with_facets)
        return Page(items=load_card_data(found.product_ids, day), total=found.total, filters=filters,
                    facets=facet_lists(found.facets) if with_facets else {}, corrected=found.corrected,
                    suggestion=found.suggestion, approximate=found.approximate)

    if filters.q:
        return compute()
    return memo.remember(("browse", day, repr(filters), with_facets), compute)

