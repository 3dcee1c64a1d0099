"""Can the documents table answer? Rebuilding and checking it (``flask search reindex|check``, ``/readyz``).

The table is written with every change, so it can only be wrong when it was never filled (a shop switching to
``SEARCH_BACKEND=postgres``) or was emptied behind the application's back: documents found empty while the
database lists products is an error, logged once; pages are served from the database (``fallback.py``) while a
background thread of the process rebuilds the table (one process at a time, under an advisory lock).
"""

import logging
import threading

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.search.documents import documents_for, listed_exists
from marketplace.search.models import SearchDocument
from marketplace.search.postgres import writer
from marketplace.search.postgres.lexemes import row
from marketplace.search.postgres.query import prefetch
from marketplace.search.postgres.vocabulary import Statistics

log = logging.getLogger(__name__)
EMPTY = "the search documents are empty while the database lists products"
_state = {"failure": None, "thread": None}
_starting = threading.Lock()


def answer(session, day, text_, ask, empty):
    """``ask(stats)`` from the documents; None when they cannot answer for ``day`` (logged, being rebuilt).

    ``stats`` holds the counts ``text_`` needs (read first, when something was typed). Whether the documents
    were found empty while the database lists products is asked only of an ``empty`` answer: a search that finds
    something costs no extra statement.
    """
    try:
        stats = Statistics(session)
        if text_.strip():
            prefetch(stats, text_)
        found = ask(stats)
        if empty(found) and stats.documents == 0 and listed_exists(session, day):
            report(EMPTY)
            return None
    except SQLAlchemyError as error:
        failed(session, error)
        return None
    if _state["failure"] is not None:
        log.warning("search documents usable again (it was: %s)", _state["failure"])
        _state["failure"] = None
    return found


def failed(session, error):
    """A query broke on the table (missing, say): roll back, say so; the caller answers from the database."""
    session.rollback()
    reason = f"the search documents cannot be read ({type(error).__name__})"
    if _state["failure"] != reason:
        log.error("%s: served from the database", reason, exc_info=error)
    _state["failure"] = reason


def report(reason):
    """The table cannot answer: say so once, and rebuild it in the background."""
    if _state["failure"] != reason:
        log.error("%s: served from the database until they are rebuilt", reason)
    _state["failure"] = reason
    rebuild_in_background()


def health(day):
    """None when the documents answer; else what is wrong and what is being done (for ``/readyz``)."""
    try:
        usable = answer(db.session, day, "", _documents, lambda documents: documents == 0)
    except Exception as error:  # noqa: BLE001 - the database behind the check may be down: say so, do not fail
        db.session.rollback()
        return f"the search documents cannot be checked ({type(error).__name__})"
    if usable is not None:
        return None
    doing = "rebuilding them from the database" if rebuild_running() else "a rebuild will be retried"
    return f"{_state['failure']}; {doing}"


def _documents(stats):
    """How many documents are counted, once the table itself has answered."""
    stats.session.execute(select(SearchDocument.product_id).limit(1)).all()
    return stats.documents


def rebuild(progress=lambda items, label: items, batch=1000, wait=True):
    """Rewrite every document and count the terms again; the number listed (None: another process is at it)."""
    with db.engine.connect() as guard:
        if wait:
            guard.execute(text("SELECT pg_advisory_lock(:space, 0)"), {"space": writer.REBUILD_SPACE})
        locked = wait or guard.scalar(text("SELECT pg_try_advisory_lock(:space, 0)"), {"space": writer.REBUILD_SPACE})
        guard.commit()
        if not locked:
            return None
        try:
            return writer.rebuild(db.engine, today(), progress, batch)
        finally:
            guard.execute(text("SELECT pg_advisory_unlock(:space, 0)"), {"space": writer.REBUILD_SPACE})
            guard.commit()


def rebuild_in_background():
    """Start rebuilding the documents in a thread of this process, unless one runs already."""
    with _starting:
        if rebuild_running():
            return
        app = current_app._get_current_object()
        _state["thread"] = threading.Thread(target=_rebuild_job, args=(app,), daemon=True,
                                            name="search-rebuild-postgres")
        _state["thread"].start()


def _rebuild_job(app):
    with app.app_context():
        try:
            count = rebuild(wait=False)
        except Exception:
            log.exception("rebuilding the search documents failed")
            return
        finally:
            db.session.remove()
        if count is not None:
            log.warning("search documents rebuilt from the database: %d listed products", count)


def rebuild_running():
    """True while this process rebuilds the documents in the background."""
    thread = _state["thread"]
    return thread is not None and thread.is_alive()


def wait_for_rebuild(timeout=None):
    """Wait for this process's background rebuild (if any); True when none is running any more."""
    thread = _state["thread"]
    if thread is not None:
        thread.join(timeout)
    return not rebuild_running()


def check():
    """(missing, extra): listed products without their document as the database would write it, stray documents.

    A document that differs from the one the database gives (a fact or a lexeme) counts as missing.
    """
    day = today()
    table = SearchDocument.__table__
    with Session(db.engine) as session:
        expected = {product_id: row(document) for product_id, document in documents_for(session, day).items()}
        columns = [table.c[name] for name in ("product_id", *writer.FACTS)]
        stored = {values.product_id: values for values in session.execute(
            select(*columns, func.tsvector_to_array(table.c.name_terms).label("name_terms"),
                   func.tsvector_to_array(table.c.terms).label("terms")).where(table.c.listed_until >= day))}
    missing = sorted(product_id for product_id, values in expected.items()
                     if product_id not in stored or not _same(values, stored[product_id]))
    return missing, sorted(set(stored) - set(expected))


def _same(values, stored):
    """True when a stored row holds the facts and lexemes of ``values`` (``lexemes.row``)."""
    return (all(getattr(stored, name) == values[name] for name in writer.FACTS)
            and sorted(stored.name_terms) == values["counted"] and sorted(stored.terms) == values["matched"])
