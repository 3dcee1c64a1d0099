"""Search facade: the only way into the product index, and the storefront's read path (``browse``).

Nothing outside this package imports Whoosh.
``search`` and ``suggest`` answer queries (from the database while the index cannot: ``health.py``); changes
reach the index through the session hooks installed by ``install`` (queued in the same transaction, applied
after commit); ``rebuild`` and ``check`` maintain it; ``health`` says whether it can answer (``/readyz``).
``SEARCH_BACKEND=postgres`` answers the same calls from a table of the database instead (``postgres/``), written
by the same hooks inside the transaction.
"""

from marketplace.core.clock import today
from marketplace.search import health as _health
from marketplace.search.browse import (
    SORTS,
    FilterError,
    Filters,
    Page,
    browse,
    browse_cards,
    find,
    parse_filters,
    read_filters,
    suggest_ids,
)
from marketplace.search.sync import (
    check,
    current_engine,
    install,
    pending_count,
    queue,
    rebuild,
    rebuild_running,
    sync_pending,
    wait_for_rebuild,
)


def search(filters, day, with_facets=True):
    """Product ids of one result page (best first), the total, facet counts and any spelling correction."""
    return find(filters, day, with_facets=with_facets)


def suggest(text, day, limit=8):
    """Ids of listed products whose names start like ``text``, best first (autocomplete)."""
    return suggest_ids(text, day, limit=limit)


def health(day=None):
    """None when the index can answer today; else what is wrong and what is being done (for ``/readyz``)."""
    return _health.health(day or today())


__all__ = ["SORTS", "FilterError", "Filters", "Page", "browse", "browse_cards", "check", "current_engine", "health",
           "install", "parse_filters", "pending_count", "queue", "read_filters", "rebuild", "rebuild_running", "search",
           "suggest", "sync_pending", "wait_for_rebuild"]
