"""Keeping the index true: queued with the transaction, applied after commit, rebuilt by atomic swap.

Changes queue in the database with the transaction that made them and are applied after commit by whichever
process gets the index's write lock; a rebuild swaps in a new generation atomically.
"""

import logging
import os
import shutil
import time

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.index import LockError

from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.search.documents import documents_for
from marketplace.search.engine import Engine
from marketplace.search.models import SearchPending
from marketplace.search.schema import product_schema
from marketplace.shop.catalog.models import Listing

log = logging.getLogger(__name__)
WRITE_TIMEOUT = 5.0  #: seconds to wait for another process's index writer before leaving work queued
_engines = {}


def current_engine():
    """The engine of the configured index directory (one per directory per process)."""
    base = current_app.config["SEARCH_INDEX_DIR"]
    if base not in _engines:
        _engines[base] = Engine(base)
    return _engines[base]


# --- collecting changes during flushes -------------------------------------------------------------------------

def _product_ids_of(session, objects):
    ids, entity_ids = set(), set()
    for obj in objects:
        if isinstance(obj, Product):
            ids.add(obj.id)
        elif isinstance(obj, Listing | Certificate):
            ids.add(obj.product_id)
            history = inspect(obj).attrs.product_id.history
            ids.update(value for value in history.deleted or () if value)
        elif isinstance(obj, Entity):
            entity_ids.add(obj.id)
    if entity_ids:
        ids.update(session.connection().execute(select(Product.id).where(Product.entity_id.in_(entity_ids))).scalars())
    return {i for i in ids if i is not None}


def after_flush(session, _context):
    """Queue the products touched by this flush (same transaction: a rollback drops the queue rows)."""
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    ids = _product_ids_of(session, [*session.new, *dirty, *session.deleted])
    if ids:
        session.connection().execute(insert(SearchPending), [{"product_id": i} for i in sorted(ids)])
        session.info["search_pending"] = True


def queue(session, product_ids):
    """Queue products changed by bulk statements (``UPDATE ... WHERE``) that the flush hook cannot see."""
    ids = sorted(set(product_ids))
    if ids:
        session.execute(insert(SearchPending), [{"product_id": i} for i in ids])
        session.info["search_pending"] = True


def after_commit(session):
    """Apply the queue now that the change is committed."""
    if session.info.pop("search_pending", False) and current_app.config.get("SEARCH_SYNC_ON_COMMIT", True):
        try:
            sync_pending()
        except Exception:  # the queue stays: a later commit or `flask search sync` applies it
            log.exception("search index update failed; queued changes kept")


def after_rollback(session):
    """Nothing to apply: the queue rows were rolled back with the change."""
    session.info.pop("search_pending", None)


def install():
    """Listen to Flask-SQLAlchemy sessions (once per process)."""
    if not event.contains(FlaskSession, "after_flush", after_flush):
        event.listen(FlaskSession, "after_flush", after_flush)
        event.listen(FlaskSession, "after_commit", after_commit)
        event.listen(FlaskSession, "after_soft_rollback", lambda session, _tx: after_rollback(session))


# --- applying changes ------------------------------------------------------------------------------------------

def _writer(ix, timeout):
    return ix.writer(timeout=timeout, delay=0.05)


def sync_pending(timeout=None):
    """Apply every queued change to the index; return how many products were refreshed (None: index busy)."""
    timeout = current_app.config.get("SEARCH_WRITE_TIMEOUT", WRITE_TIMEOUT) if timeout is None else timeout
    search = current_engine()
    with search.lock:
        ix = search.index()
    try:
        writer = _writer(ix, timeout)
    except LockError:
        log.warning("search index busy for %.1fs; changes stay queued", timeout)
        return None
    try:
        with Session(db.engine) as session:
            rows = session.execute(select(SearchPending.id, SearchPending.product_id)).all()
            if not rows:
                writer.cancel()
                return 0
            ids = {product_id for _, product_id in rows}
            documents = documents_for(session, today(), ids)
        for product_id in ids:
            if product_id in documents:
                writer.update_document(**documents[product_id])
            else:
                writer.delete_by_term("product_id", str(product_id))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    with db.engine.begin() as connection:
        connection.execute(delete(SearchPending).where(SearchPending.id <= max(i for i, _ in rows)))
    return len(ids)


def rebuild(progress=lambda items, label: items, batch=2000):
    """Build a new generation from the database and swap it in atomically; return the number of documents."""
    search = current_engine()
    search.ensure()
    old = whoosh_index.open_dir(str(search.base / os.readlink(search.current)))  # any schema: it is replaced
    guard = _writer(old, 60.0)  # hold the old index: incremental writers wait, then queue, during the rebuild
    try:
        generation = search.base / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        generation.mkdir()
        ix = whoosh_index.create_in(str(generation), product_schema())
        with Session(db.engine) as session:
            ids = list(session.scalars(select(Product.id).order_by(Product.id)))
            writer = ix.writer(limitmb=256)
            count = 0
            for start in progress(range(0, len(ids), batch), "indexing"):
                for doc in documents_for(session, today(), ids[start:start + batch]).values():
                    writer.add_document(**doc)
                    count += 1
            writer.commit(optimize=True)
        tmp = search.base / "current.tmp"
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(generation.name)
        os.replace(tmp, search.current)
    finally:
        guard.cancel()
    for stale in search.base.glob("gen-*"):
        if stale.name != generation.name:
            shutil.rmtree(stale, ignore_errors=True)
    sync_pending()
    return count


def check():
    """(missing, extra): listed products absent from the index, and indexed products that are not listed."""
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
