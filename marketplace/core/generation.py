"""The catalogue generation: a number that moves on after every commit changing what the storefront shows.

Cached pages (core/pagecache.py) and same-for-everyone figures are stored under the generation they were computed
in, so a revocation, a price change or a new listing is visible on the next request on every server: nobody reads
the old number any more. The packages that own the models flag their sessions with :func:`mark` (the search sync
hook, channels, listing images, reviews, policies); after that session commits, the number moves on.

With ``REDIS_URL`` the number lives in Redis (``INCR``), shared by every process, and never repeats: when Redis has
lost it, it starts again from the time in microseconds, above any number used before; without Redis, in this process
(development and tests: one process). It moves on AFTER the commit: a request rendering in between stores its page
under the old number, which nobody reads any more. A request reads the number from Redis once (kept in its WSGI environ
until the request itself bumps it): one round trip however many blocks and figures the page keeps.

When Redis fails (reading or bumping), the number is not trusted for ``PAGE_CACHE_SECONDS``: :func:`trusted` says
False, caches are bypassed, and :func:`current` answers a new number on every call, so nothing keyed by it is ever
found. A bump that failed is retried at the next call that reaches Redis, so other servers learn of the change.
"""

import itertools
import logging
import time

import redis
from flask import current_app, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

log = logging.getLogger(__name__)

KEY = "marketplace:catalogue-generation"  #: the Redis key holding the number
REQUEST_KEY = "marketplace.catalogue_generation"  #: where a request keeps the number it read (its WSGI environ)
FLAG = "catalogue_changed"  #: session.info key: this transaction changes what the storefront shows
REDIS_TIMEOUT = 0.5  #: seconds a generation read or bump waits for Redis
_clients = {}
_unique = itertools.count(1)  #: numbers handed out while the generation is not trusted (never repeated)
_watched = set()  #: model classes whose rows the storefront shows (each package names its own: :func:`watch`)


def init_app(app):
    """Keep this app's generation state, and bump it after every marked commit (listened once per process)."""
    app.extensions["generation"] = {"local": 0, "untrusted_until": 0.0, "lost_bumps": 0}
    if not event.contains(FlaskSession, "after_commit", _committed):
        event.listen(FlaskSession, "after_flush", _flushed)
        event.listen(FlaskSession, "after_commit", _committed)
        event.listen(FlaskSession, "after_soft_rollback", _rolled_back)


def mark(session):
    """Flag ``session``: its commit changes what the storefront shows (the generation moves on after it)."""
    session.info[FLAG] = True


def watch(*models):
    """Mark every session that adds, changes or deletes rows of ``models`` (called by the package owning them)."""
    _watched.update(models)


def watches(model):
    """True when rows of ``model`` are on the storefront's pages (see :func:`watch`)."""
    return issubclass(model, tuple(_watched)) if _watched else False


def _flushed(session, _context):
    """Mark the session when this flush added, changed or deleted a watched row."""
    if FLAG in session.info or not _watched:
        return
    watched = tuple(_watched)
    changed = (obj for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, watched))
    if any(obj in session.new or obj in session.deleted or session.is_modified(obj) for obj in changed):
        mark(session)


def _committed(session):
    """After a marked commit: move the generation on."""
    if session.info.pop(FLAG, False) and has_app_context():
        bump()


def _rolled_back(session, transaction):
    """A rollback of the whole transaction forgets the flag; a savepoint's rollback keeps the outer change's."""
    if transaction.parent is None:
        session.info.pop(FLAG, None)


def _state(app=None):
    return (app or current_app).extensions["generation"]


def _client():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    return _clients[url]


def _distrust(state, error):
    seconds = int(current_app.config.get("PAGE_CACHE_SECONDS", 300))
    state["untrusted_until"] = time.monotonic() + seconds
    log.warning("catalogue generation: Redis failed (%s); caches bypassed for %ss", type(error).__name__, seconds)


def _replay_lost_bumps(client, state):
    """Bumps that failed while Redis was away reach it now, so every server learns of the change."""
    if state["lost_bumps"]:
        _incr(client)
        state["lost_bumps"] = 0


def _fresh_start():
    """Where a number missing from Redis starts again: the time in microseconds, above any number used before.

    The key is missing on the first start, after Redis restarted without its data, or after an eviction. Starting
    again from 0 would reuse numbers that processes still hold pages and figures for (core/pagecache, core/memo).
    """
    return time.time_ns() // 1000


def _read(client):
    """The number in Redis, started afresh when it is missing (``SET NX``: every server agrees on one start)."""
    value = client.get(KEY)
    if value is None:
        client.set(KEY, _fresh_start(), nx=True)
        value = client.get(KEY)
    return int(value)


def _incr(client):
    """Move the number in Redis on (from a fresh start when it is missing), in one transaction: the new number."""
    pipe = client.pipeline(transaction=True)
    pipe.set(KEY, _fresh_start(), nx=True)
    pipe.incr(KEY)
    return int(pipe.execute()[-1])


def trusted(app=None):
    """False while Redis recently failed: caches keyed by the generation must be bypassed."""
    return _state(app)["untrusted_until"] <= time.monotonic()


def current():
    """The catalogue generation now (a throw-away negative number while it is not trusted)."""
    state = _state()
    client = _client()
    if client is None:
        return state["local"]
    if not trusted():
        return -next(_unique)
    if has_request_context() and REQUEST_KEY in request.environ:
        return request.environ[REQUEST_KEY]  # read once per request: a page's blocks and its cache key agree
    try:
        _replay_lost_bumps(client, state)
        number = _read(client)
    except (redis.RedisError, ValueError, TypeError) as error:
        _distrust(state, error)
        return -next(_unique)
    if has_request_context():
        request.environ[REQUEST_KEY] = number
    return number


def bump():
    """Move the generation on (Redis ``INCR``, or this process's counter); called after a marked commit."""
    state = _state()
    client = _client()
    if has_request_context():
        request.environ.pop(REQUEST_KEY, None)  # this request changed the catalogue: read the number again
    if client is None:
        state["local"] += 1
        return state["local"]
    try:
        _replay_lost_bumps(client, state)
        return _incr(client)
    except redis.RedisError as error:
        state["lost_bumps"] += 1
        _distrust(state, error)
        return -next(_unique)


def settled(app=None):
    """True when :func:`current` would only read the number: trusted, and no failed bump waiting to be replayed.

    ``app``: the application, when called outside its context (the page cache's fast path).
    """
    state = _state(app)
    return state["untrusted_until"] <= time.monotonic() and not state["lost_bumps"]
