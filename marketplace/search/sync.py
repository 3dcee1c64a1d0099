"""Keeping the index true: queued with the transaction, applied after commit (rebuilding: ``rebuilding.py``).

Changes queue in the database with the transaction that made them and are applied after commit by whichever
process gets the index's write lock. A lost or unreadable index takes no change: they stay queued while it is
rebuilt from the database, which applies them at the end.

With ``SEARCH_BACKEND=postgres`` nothing is queued: the touched products are remembered on the session and their
documents rewritten just before it commits, in the same transaction (``postgres/writer.py``).
"""

import logging

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from marketplace.core import generation
from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.search import postgres, rebuilding
from marketplace.search.documents import documents_for, listed_exists
from marketplace.search.engine import IndexMissingError, current_engine
from marketplace.search.models import SearchPending
from marketplace.search.postgres import health as postgres_health
from marketplace.search.postgres import writer as postgres_writer
from marketplace.search.rebuilding import WRITE_TIMEOUT, apply_queue, report_failure
from marketplace.shop.catalog.models import Listing, ListingVariant

log = logging.getLogger(__name__)
__all__ = ["check", "current_engine", "install", "pending_count", "queue", "rebuild", "rebuild_running",
           "sync_pending", "wait_for_rebuild"]
TOUCHED = "search_touched"  #: session.info key: products whose documents the commit rewrites (postgres backend)


# --- collecting changes during flushes -------------------------------------------------------------------------

def _with_former(obj, attribute):
    """The object's ``attribute`` now and before this flush (a row moved to another parent touches both)."""
    history = inspect(obj).attrs[attribute].history
    return {getattr(obj, attribute), *(history.deleted or ())}


def _product_ids_of(session, objects):
    ids, entity_ids, listing_ids = set(), set(), set()
    for obj in objects:
        if isinstance(obj, Product):
            ids.add(obj.id)
        elif isinstance(obj, Listing | Certificate):
            ids.update(_with_former(obj, "product_id"))
        elif isinstance(obj, ListingVariant):
            listing_ids.update(_with_former(obj, "listing_id"))
        elif isinstance(obj, Entity):
            entity_ids.add(obj.id)
    connection = session.connection()
    if entity_ids:
        ids.update(connection.execute(select(Product.id).where(Product.entity_id.in_(entity_ids))).scalars())
    listing_ids.discard(None)
    if listing_ids:
        ids.update(connection.execute(select(Listing.product_id).where(Listing.id.in_(listing_ids))).scalars())
    return {i for i in ids if i is not None}


def after_flush(session, _context):
    """Queue the products touched by this flush (same transaction: a rollback drops the queue rows)."""
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    ids = _product_ids_of(session, [*session.new, *dirty, *session.deleted])
    if ids:
        generation.mark(session)  # cached pages show these products: they are stale after the commit
    if ids and postgres.enabled():
        session.info.setdefault(TOUCHED, set()).update(ids)
    elif ids:
        session.connection().execute(insert(SearchPending), [{"product_id": i} for i in sorted(ids)])
        session.info["search_pending"] = True


def queue(session, product_ids):
    """Queue products changed by bulk statements (``UPDATE ... WHERE``) that the flush hook cannot see."""
    ids = sorted(set(product_ids))
    if ids:
        generation.mark(session)
    if ids and postgres.enabled():
        session.info.setdefault(TOUCHED, set()).update(ids)
    elif ids:
        session.execute(insert(SearchPending), [{"product_id": i} for i in ids])
        session.info["search_pending"] = True


def before_commit(session):
    """PostgreSQL backend: rewrite the documents of the products this transaction touched, inside it."""
    if not postgres.enabled() or session.in_nested_transaction():
        return
    session.flush()  # the last changes reach after_flush first
    if ids := session.info.pop(TOUCHED, None):
        postgres_writer.write(session.connection(), ids, today())


def after_commit(session):
    """Apply the queue now that the change is committed."""
    if session.info.pop("search_pending", False) and current_app.config.get("SEARCH_SYNC_ON_COMMIT", True):
        try:
            sync_pending()
        except Exception:  # the queue stays: a later commit or `flask search sync` applies it
            log.exception("search index update failed; queued changes kept")


def after_rollback(session):
    """Nothing to apply: the queue rows (or, on PostgreSQL, the touched products) went with the change."""
    if not session.in_transaction():  # a savepoint rolled back leaves the outer transaction's changes to apply
        session.info.pop("search_pending", None)
        session.info.pop(TOUCHED, None)


def install():
    """Listen to Flask-SQLAlchemy sessions (once per process)."""
    if not event.contains(FlaskSession, "after_flush", after_flush):
        event.listen(FlaskSession, "after_flush", after_flush)
        event.listen(FlaskSession, "before_commit", before_commit)
        event.listen(FlaskSession, "after_commit", after_commit)
        event.listen(FlaskSession, "after_soft_rollback", lambda session, _tx: after_rollback(session))


# --- applying changes ------------------------------------------------------------------------------------------

def _queue_holds_every_listed_product():
    """True when applying the queue to an empty index gives a complete one (a new shop, not a lost index)."""
    with Session(db.engine) as session:
        return not listed_exists(session, today(), outside=select(SearchPending.product_id))


def _index_for_changes(search):
    """The index the queue goes to; None when it cannot take changes (a rebuild from the database is started).

    A missing index is created empty only when the queue holds every listed product: otherwise it was lost,
    and an index of the few products changed since would pass for the whole catalogue.
    """
    with search.lock:
        try:
            return search.index()
        except IndexMissingError:
            if _queue_holds_every_listed_product():
                search.ensure()
                return search.index()
            reason = "the search index is missing while the database lists products"
        except Exception as error:  # noqa: BLE001 - unreadable on disk: rebuilt, never patched
            reason = f"the search index cannot be opened ({type(error).__name__}: {error})"
    report_failure(search, reason)
    return None


def sync_pending(timeout=None):
    """Apply every queued change to the index; return how many products were refreshed (None: index busy).

    While the index is lost or unreadable, changes stay queued and a rebuild from the database is started.
    The PostgreSQL backend queues nothing: 0.
    """
    if postgres.enabled():
        return 0
    timeout = current_app.config.get("SEARCH_WRITE_TIMEOUT", WRITE_TIMEOUT) if timeout is None else timeout
    search = current_engine()
    if search.failure is not None:  # being rebuilt (or about to be): the rebuild applies the queue
        report_failure(search, search.failure)
        return None
    ix = _index_for_changes(search)
    return None if ix is None else apply_queue(ix, timeout)


def check():
    """(missing, extra): listed products absent from the index, and indexed products that are not listed."""
    if postgres.enabled():
        return postgres_health.check()
    searcher, columns = current_engine().searcher()
    day = today()
    live = columns.live & (columns.values["listed_until"] >= day.toordinal())
    indexed = set(columns.values["product_id"][live].tolist())
    with Session(db.engine) as session:
        listed = set(documents_for(session, day).keys())
    return sorted(listed - indexed), sorted(indexed - listed)


def pending_count():
    """How many queued changes wait for the index."""
    return db.session.scalar(select(func.count()).select_from(SearchPending))


def rebuild(progress=lambda items, label: items, batch=None, wait=True):
    """Rebuild the index (or the PostgreSQL documents) from the database; the number of listed products.

    One process rebuilds at a time: with ``wait=False`` None is returned at once when another one is.
    """
    if postgres.enabled():
        return postgres_health.rebuild(progress, batch or 1000, wait)
    return rebuilding.rebuild(progress, batch or 2000, wait)


def rebuild_running():
    """True while a background rebuild runs in this process."""
    return postgres_health.rebuild_running() if postgres.enabled() else rebuilding.rebuild_running()


def wait_for_rebuild(timeout=None):
    """Wait for this process's background rebuild (if any); True when none is running any more."""
    if postgres.enabled():
        return postgres_health.wait_for_rebuild(timeout)
    return rebuilding.wait_for_rebuild(timeout)
