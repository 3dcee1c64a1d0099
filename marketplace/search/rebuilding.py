"""Rebuilding the index from the database: a new generation swapped in atomically, one process at a time.

``rebuild`` serves ``flask search reindex``; ``rebuild_in_background`` serves the application when it finds the
index lost, emptied or unreadable (see ``health.py``): a thread of the process rebuilds while pages are served
from the database. ``apply_queue`` writes the queued changes (``search_pending``) into an index.
"""

import fcntl
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.index import LockError

from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.search.documents import documents_for
from marketplace.search.engine import IndexUnreadableError, current_engine, read_index
from marketplace.search.models import SearchPending
from marketplace.search.schema import product_schema

log = logging.getLogger(__name__)
WRITE_TIMEOUT = 5.0  #: seconds to wait for another process's index writer before leaving work queued
RETRY_AFTER = 30  #: seconds before a failed (or elsewhere running) background rebuild is tried again
_starting = threading.Lock()  #: one background rebuild started at a time


def _writer(ix, timeout):
    return ix.writer(timeout=timeout, delay=0.05)


def apply_queue(ix, timeout):
    """Apply every queued change to ``ix``; the number of products refreshed (None: the index is busy)."""
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


@contextmanager
def _rebuild_lock(base, wait):
    """Hold ``<base>/rebuild.lock`` (one rebuild at a time across processes); yields False when busy."""
    with open(base / "rebuild.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _hold_old_index(search):
    """A writer on the live generation, so incremental writers wait (then queue) during a rebuild.

    None when there is no readable index to hold: the rebuild replaces it anyway.
    """
    try:
        old = read_index(whoosh_index.open_dir, str(search.base / os.readlink(search.current)))  # any schema
    except (OSError, IndexUnreadableError):  # missing or damaged: nothing worth holding
        return None
    return _writer(old, 60.0)


def rebuild(progress=lambda items, label: items, batch=2000, wait=True):
    """Build a new generation from the database and swap it in atomically; return the number of documents.

    One process rebuilds at a time: with ``wait=False`` None is returned at once when another one is.
    """
    search = current_engine()
    search.base.mkdir(parents=True, exist_ok=True)
    with _rebuild_lock(search.base, wait) as locked:
        if not locked:
            return None
        guard = _hold_old_index(search)
        try:
            generation = search.base / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
            generation.mkdir()
            count = _build(whoosh_index.create_in(str(generation), product_schema()), progress, batch)
            tmp = search.base / "current.tmp"
            if tmp.is_symlink():
                tmp.unlink()
            tmp.symlink_to(generation.name)
            os.replace(tmp, search.current)
        finally:
            if guard is not None:
                guard.cancel()
        for stale in search.base.glob("gen-*"):
            if stale.name != generation.name:
                shutil.rmtree(stale, ignore_errors=True)
        with search.lock:
            ix = search.index()
        apply_queue(ix, current_app.config.get("SEARCH_WRITE_TIMEOUT", WRITE_TIMEOUT))
    return count


def _build(ix, progress, batch):
    with Session(db.engine) as session:
        ids = list(session.scalars(select(Product.id).order_by(Product.id)))
        writer = ix.writer(limitmb=256)
        count = 0
        for start in progress(range(0, len(ids), batch), "indexing"):
            for doc in documents_for(session, today(), ids[start:start + batch]).values():
                writer.add_document(**doc)
                count += 1
        writer.commit(optimize=True)
    return count


# --- rebuilding in the background ------------------------------------------------------------------------------

def report_failure(search, reason):
    """The index cannot answer or take changes: say so once, remember why, and rebuild it in the background."""
    if search.failure != reason:
        log.error("%s: served from the database until it is rebuilt", reason)
    search.failure = reason
    rebuild_in_background(reason)


def rebuild_in_background(reason):
    """Start rebuilding the index from the database in a thread of this process (one at a time).

    Another process already rebuilding, or a failed attempt moments ago, postpones it to a later request.
    Returns True when a rebuild runs now.
    """
    search = current_engine()
    with _starting:
        if search.rebuilder is not None and search.rebuilder.is_alive():
            return True
        if time.monotonic() < search.retry_rebuild_at:
            return False
        app = current_app._get_current_object()
        search.rebuilder = threading.Thread(target=_rebuild_job, args=(app, reason), daemon=True,
                                            name=f"search-rebuild-{search.base.name}")
        search.rebuilder.start()
    return True


def _rebuild_job(app, reason):
    with app.app_context():
        search = current_engine()
        try:
            count = rebuild(wait=False)
        except Exception:
            search.retry_rebuild_at = time.monotonic() + RETRY_AFTER
            log.exception("rebuilding the search index failed (%s); trying again in %ds", reason, RETRY_AFTER)
            return
        if count is None:
            search.retry_rebuild_at = time.monotonic() + RETRY_AFTER
            log.warning("another process is rebuilding the search index; checking again in %ds", RETRY_AFTER)
            return
        search.failure = None
        log.warning("search index rebuilt from the database: %d listed products (it was: %s)", count, reason)


def rebuild_running():
    """True while a background rebuild of the configured index runs in this process."""
    thread = current_engine().rebuilder
    return thread is not None and thread.is_alive()


def wait_for_rebuild(timeout=None):
    """Wait for this process's background rebuild (if any); True when none is running any more."""
    thread = current_engine().rebuilder
    if thread is not None:
        thread.join(timeout)
    return not rebuild_running()
