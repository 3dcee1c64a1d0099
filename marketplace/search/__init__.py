"""Search facade: the only way into the product index, and the storefront's read path (``browse``).

Nothing outside this package imports Whoosh.
``search`` and ``suggest`` answer queries; changes reach the index through the session hooks installed by
``install`` (queued in the same transaction, applied after commit); ``rebuild`` and ``check`` maintain it.
"""

from marketplace.search import query as _query
from marketplace.search.browse import SORTS, FilterError, Filters, Page, browse, parse_filters
from marketplace.search.sync import check, current_engine, install, pending_count, queue, rebuild, sync_pending


def search(filters, day, with_facets=True):
    """Product ids of one result page (best first), the total, facet counts and any spelling correction."""
    return _query.run(current_engine(), filters, day.toordinal(), with_facets=with_facets)


def suggest(text, day, limit=8):
    """Ids of listed products whose names start like ``text``, best first (autocomplete)."""
    return _query.suggest(current_engine(), text, day.toordinal(), limit=limit)


__all__ = ["SORTS", "FilterError", "Filters", "Page", "browse", "check", "current_engine", "install", "parse_filters",
           "pending_count", "queue", "rebuild", "search", "suggest", "sync_pending"]
