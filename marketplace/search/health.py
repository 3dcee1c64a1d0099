"""Can the index answer? A missing, unreadable or wrongly empty index is noticed, logged and rebuilt.

An index that disagrees with the database about being empty is an error: a lost index directory (or a dangling
``current`` link) would otherwise show an empty shop without a word. While the index cannot answer, ``browse``
serves from the database (``fallback.py``) and a background rebuild (``rebuilding.py``) puts it back.
"""

import logging

from marketplace.extensions import db
from marketplace.search import postgres
from marketplace.search.documents import listed_exists
from marketplace.search.engine import IndexMissingError, IndexOutOfDateError, IndexUnreadableError, current_engine
from marketplace.search.postgres import health as postgres_health
from marketplace.search.rebuilding import rebuild_running, report_failure

log = logging.getLogger(__name__)


def _listed_in_database(day):
    return listed_exists(db.session, day)


def _open(engine, day):
    """The engine's searcher columns; a missing index is created empty for a new shop (nothing listed)."""
    try:
        return engine.searcher()[1]
    except IndexMissingError:
        if _listed_in_database(day):
            raise
        with engine.lock:
            engine.ensure()  # a new shop: an empty index agrees with an empty catalogue
        return engine.searcher()[1]


def _index_problem(engine, day):
    """What keeps the index from answering for ``day`` (None: nothing). Database errors are not caught."""
    try:
        columns = _open(engine, day)
    except IndexMissingError:
        return "the search index is missing while the database lists products"
    except (IndexUnreadableError, IndexOutOfDateError) as error:
        return f"the search index cannot be read ({error})"
    if columns.live_count == 0 and columns.agreed_empty_on != day.toordinal():
        if _listed_in_database(day):
            return "the search index is empty while the database lists products"
        columns.agreed_empty_on = day.toordinal()
    return None


def usable_engine(day):
    """The engine when the index can answer for ``day``; None when it cannot (logged, being rebuilt)."""
    engine = current_engine()
    if engine.failure is not None and rebuild_running():
        return None  # known, and being fixed: no disk access on every request
    problem = _index_problem(engine, day)
    if problem is None:
        if engine.failure is not None:
            log.warning("search index usable again (it was: %s)", engine.failure)
            engine.failure = None
        return engine
    report_failure(engine, problem)
    return None


def query_failed(engine, error):
    """A query broke on the index (a damaged segment): forget the open index, log, rebuild in the background."""
    log.error("search query failed on the index", exc_info=error)
    engine.close()
    report_failure(engine, f"the search index failed a query ({type(error).__name__}: {error})")


def health(day):
    """None when the index answers; else what is wrong and what is being done about it (for ``/readyz``)."""
    if postgres.enabled():
        return postgres_health.health(day)
    try:
        engine = usable_engine(day)
    except Exception as error:  # noqa: BLE001 - the database behind the check may be down: say so, do not fail
        db.session.rollback()
        return f"the search index cannot be checked ({type(error).__name__})"
    if engine is not None:
        return None
    engine = current_engine()
    doing = "rebuilding it from the database" if rebuild_running() else "a rebuild will be retried"
    return f"{engine.failure}; {doing}"
