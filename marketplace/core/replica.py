"""Reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``), with read-your-own-writes.

Only requests a view marks with ``@replica_reads`` (the storefront's browsing pages and the public API's GETs) send
their SELECTs to the replica; every write, and every statement while flushing, goes to the primary.
A request that committed a write records the primary's WAL position in the visitor's session; until the replica
has replayed that far, the same visitor reads from the primary, so nobody misses their own change. A replica
that cannot be reached is left alone for ``REPLICA_RETRY_SECONDS`` and the primary answers meanwhile.
"""

import functools
import logging
import time

from flask import current_app, g, has_request_context, session
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import usable_replica

log = logging.getLogger(__name__)

WAL_KEY = "wal"  #: the session key holding the primary's WAL position after this visitor's last write
RETRY_SECONDS = 30  #: default pause after the replica failed


def replica_engine():
    """The replica's engine when one is configured and not resting after a failure; else None."""
    return usable_replica(current_app.extensions.get("replica"))


def _db():
    return current_app.extensions["sqlalchemy"]


def init_app(app):
    """Create the replica engine when ``DATABASE_REPLICA_URL`` is set, and track this process's writes."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    engine = create_engine(url, pool_pre_ping=True)
    app.extensions["replica"] = {"engine": engine, "down_until": 0.0,
                                 "retry": float(app.config.get("REPLICA_RETRY_SECONDS", RETRY_SECONDS))}
    event.listen(engine, "handle_error", _replica_failed)
    if not event.contains(FlaskSession, "after_flush", _wrote):
        event.listen(FlaskSession, "after_flush", _wrote)
        event.listen(FlaskSession, "after_commit", _committed)
        event.listen(FlaskSession, "after_soft_rollback", _rolled_back)
    app.after_request(_remember_position)
    app.teardown_appcontext(lambda _exc: _db().session.info.pop("replica", None))


def _replica_failed(context):
    """A replica that cannot be reached rests for a while; the primary answers meanwhile.

    A pooled connection found dead by the pre-ping (the standby restarted) is not an outage: the pool reconnects.
    """
    if context.is_pre_ping:
        return
    if context.is_disconnect or context.connection is None:
        state = current_app.extensions["replica"]
        state["down_until"] = time.monotonic() + state["retry"]
        log.warning("read replica unreachable; reading from the primary for %ss", state["retry"])


def _wrote(session, _context):
    session.info["wrote"] = True


def _rolled_back(session, transaction):
    """A rollback of the whole transaction forgets its writes; a savepoint's rollback leaves the outer ones."""
    if transaction.parent is None:
        session.info.pop("wrote", None)


def _committed(session):
    if session.info.pop("wrote", False) and has_request_context():
        g.replica_wrote = True


def _remember_position(response):
    """After a request that committed a write: keep the primary's WAL position in the visitor's session."""
    if g.pop("replica_wrote", False):
        with _db().engine.connect() as connection:
            session[WAL_KEY] = connection.scalar(text("SELECT pg_current_wal_lsn()::text"))
    return response


def _usable(engine):
    """True when the replica answers and has replayed this visitor's last write (which is then forgotten)."""
    position = session.get(WAL_KEY)
    try:
        with engine.connect() as connection:  # a pooled connection is pinged first: an outage shows here
            if position is None:
                return True
            replayed = connection.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:p AS pg_lsn)"), {"p": position})
    except DBAPIError:
        return False
    if replayed:
        session.pop(WAL_KEY, None)
    return bool(replayed)


def use_replica():
    """Let this request's SELECTs go to the replica, unless this visitor's last write has not reached it yet."""
    engine = None if g.get("primary_reads") else replica_engine()  # a page rendered for the cache: the primary
    _db().session.info["replica"] = engine is not None and _usable(engine)  # set either way: never a stale True


def replica_reads(view):
    """Decorator for read-only views: their SELECTs may be answered by the replica."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        use_replica()
        return view(*args, **kwargs)
    return wrapped
