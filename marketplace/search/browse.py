"""The storefront's read path: what the shopper asked for (filters), one page of listed products, facets."""

from dataclasses import dataclass, field
from datetime import date

from marketplace.reference.lookup import criteria_sets, provinces, resolve_group, resolve_province
from marketplace.search import query as _query
from marketplace.search.sync import current_engine
from marketplace.shop.catalog.queries import load_cards

SORTS = ("relevance", "newest", "price_asc", "price_desc", "stars")



class FilterError(ValueError):
    """A query parameter that cannot be understood (the API answers 400)."""

    def __init__(self, parameter, message):
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


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


def _int_arg(args, name, minimum=None, maximum=None):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise FilterError(name, f"'{raw}' is not a whole number")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise FilterError(name, f"must be between {minimum} and {maximum}")
    return value


def parse_filters(args, default_per_page=24, max_per_page=100):
    """Turn request arguments into :class:`Filters`; raise FilterError on what cannot be understood."""
    filters = Filters(q=(args.get("q") or "").strip()[:200], per_page=default_per_page)
    if raw := (args.get("province") or "").strip():
        province = resolve_province(raw)
        if province is None:
            raise FilterError("province", f"'{raw}' is not a province code, slug or name")
        filters.province_code = province.code
    if raw := (args.get("group") or "").strip():
        filters.criteria_codes = resolve_group(raw)
        if filters.criteria_codes is None:
            raise FilterError("group", f"'{raw}' is not a criteria-set code 01-26 or a sector I-VI")
        filters.group = raw.upper()
    filters.min_stars = _int_arg(args, "min_stars", 1, 5)
    filters.price_min = _int_arg(args, "price_min", 0)
    filters.price_max = _int_arg(args, "price_max", 0)
    filters.in_stock = (args.get("in_stock") or "").lower() in ("true", "1", "yes", "on")
    filters.entity_id = _int_arg(args, "entity_id", 1)
    filters.sort = (args.get("sort") or "").strip() or ("relevance" if filters.q else "newest")
    if filters.sort not in SORTS:
        raise FilterError("sort", f"'{filters.sort}' is not one of {', '.join(SORTS)}")
    filters.page = _int_arg(args, "page", 1) or 1
    filters.per_page = _int_arg(args, "per_page", 1, max_per_page) or default_per_page
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


def browse(filters, day: date, with_facets=True):
    """One page of listed products matching ``filters`` on ``day``, with total, facets and any correction."""
    found = _query.run(current_engine(), filters, day.toordinal(), with_facets=with_facets)
    return Page(items=load_cards(found.product_ids, day), total=found.total, filters=filters,
                facets=facet_lists(found.facets) if with_facets else {}, corrected=found.corrected,
                suggestion=found.suggestion, approximate=found.approximate)


