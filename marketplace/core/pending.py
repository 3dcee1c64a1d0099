"""Writes kept for later: tallies and notes a read request leaves, written to the database in batches.

A product page counts a view and remembers it for a signed-in buyer's "recently viewed" without writing the database
(a GET stays a read). The tallies and notes wait here — in Redis with ``REDIS_URL`` (shared by every process, kept
across restarts), else in this process's memory — until a flush takes them (``jobs/scheduled.flush_views``: every
minute on the job queue's schedule or cron, and from the web process itself after ``PENDING_FLUSH_EVERY`` notes or
``PENDING_FLUSH_SECONDS``, once the response has been sent). ``take_*`` empties a kind atomically; a flush that fails
gives what it took back. Redis failing loses a few views, never a page: errors are logged and swallowed.

With Redis, tallies first gather in the process and reach Redis in one round trip per ``BATCH_EVERY`` tallies or
``BATCH_SECONDS`` (a cached product page then costs no Redis call of its own for its view); a process that stops
loses at most that batch. Notes (buyers' recently viewed) go to Redis at once.
"""

import logging
import threading
import time
from collections import Counter

import redis
from flask import current_app

log = logging.getLogger(__name__)

PREFIX = "marketplace:pending:"  #: Redis keys: <PREFIX>count:<kind> (hash), <PREFIX>note:<kind> (list), <PREFIX>waiting
REDIS_TIMEOUT = 0.5  #: seconds a note waits for Redis
BATCH_EVERY = 20  #: tallies gathered in the process before they go to Redis together
BATCH_SECONDS = 1.0  #: ... or after this long
FLUSH_GAP = 5.0  #: with Redis, seconds between two flushes a web process starts itself (``PENDING_FLUSH_GAP``)
_clients = {}
_lock = threading.Lock()


def _client(app=None):
    url = (app or current_app).config.get("REDIS_URL")
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT,
                                             decode_responses=True)
    return _clients[url]


def _memory(app=None):
    return (app or current_app).extensions.setdefault("pending", {"counts": {}, "notes": {}, "waiting": 0,
                                                         "since": time.monotonic()})


def count(kind, key, amount=1, app=None):
    """Add ``amount`` to the tally ``key`` of ``kind``; return how many wait (0 while batching or on error).

    ``app``: the application, when called outside its context (the page cache's fast path).
    """
    client = _client(app)
    if client is None:
        with _lock:
            state = _memory(app)
            state["counts"].setdefault(kind, Counter())[key] += amount
            state["waiting"] += 1
            return state["waiting"]
    with _lock:
        batch = _batch(app)
        batch["counts"][(kind, key)] += amount
        batch["size"] += 1
        if batch["size"] < BATCH_EVERY and time.monotonic() - batch["since"] < BATCH_SECONDS:
            return 0
    return _push(client, app)


def _batch(app=None):
    return (app or current_app).extensions.setdefault("pending_batch", {"counts": Counter(), "size": 0,
                                                               "since": time.monotonic()})


def _push(client, app=None):
    """Send the tallies gathered in this process to Redis in one round trip; return how many wait there."""
    with _lock:
        batch = _batch(app)
        counts, size = batch["counts"], batch["size"]
        batch.update(counts=Counter(), size=0, since=time.monotonic())
    if not size:
        return 0
    try:
        pipe = client.pipeline(transaction=False)
        for (kind, key), amount in counts.items():
            pipe.hincrby(f"{PREFIX}count:{kind}", key, amount)
        pipe.incrby(f"{PREFIX}waiting", size)
        return int(pipe.execute()[-1])
    except redis.RedisError as error:
        log.warning("pending: Redis failed (%s); %s tallies are lost", type(error).__name__, size)
        return 0


def note(kind, text):
    """Add the note ``text`` to ``kind`` (kept in order); return how many tallies and notes are waiting."""
    client = _client()
    if client is None:
        with _lock:
            state = _memory()
            state["notes"].setdefault(kind, []).append(text)
            state["waiting"] += 1
            return state["waiting"]
    try:
        pipe = client.pipeline(transaction=False)
        pipe.rpush(f"{PREFIX}note:{kind}", text)
        pipe.incr(f"{PREFIX}waiting")
        return int(pipe.execute()[1])
    except redis.RedisError as error:
        log.warning("pending %s: Redis failed (%s); a note is lost", kind, type(error).__name__)
        return 0


def is_due(waiting, app=None):
    """True when ``waiting`` notes (as ``count``/``note`` answered) call for a flush now (by number, or by age here)."""
    app = app or current_app
    every = app.config.get("PENDING_FLUSH_EVERY", 100)
    if _client(app) is not None:  # tallies arrive in batches: any number past the mark (the flush resets it)
        return waiting >= every and _spaced(app)
    if waiting and waiting % every == 0:
        return True
    if not waiting:
        return False
    return time.monotonic() - _memory(app)["since"] >= app.config.get("PENDING_FLUSH_SECONDS", 60)


def _spaced(app):
    """True, and the time noted, when this process last asked for a flush ``PENDING_FLUSH_GAP`` seconds ago or more.

    Under heavy traffic the mark is passed every few dozen requests; one flush every few seconds per process writes
    the same views (tallies add up in Redis meanwhile) without a transaction for every hundred page views.
    """
    gap = float(app.config.get("PENDING_FLUSH_GAP", FLUSH_GAP))
    now, last = time.monotonic(), app.extensions.get("pending_flushed_at")
    if last is not None and now - last < gap:
        return False
    app.extensions["pending_flushed_at"] = now
    return True


def take_counts(kind):
    """Empty the tallies of ``kind``: ``{key: amount}``."""
    client = _client()
    if client is None:
        with _lock:
            state = _memory()
            state["waiting"], state["since"] = 0, time.monotonic()
            return dict(state["counts"].pop(kind, {}))
    _push(client)  # this process's batch first
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(f"{PREFIX}count:{kind}")
    pipe.delete(f"{PREFIX}count:{kind}", f"{PREFIX}waiting")
    return {key: int(amount) for key, amount in pipe.execute()[0].items()}


def take_notes(kind):
    """Empty the notes of ``kind``: a list, oldest first."""
    client = _client()
    if client is None:
        with _lock:
            state = _memory()
            state["waiting"], state["since"] = 0, time.monotonic()
            return state["notes"].pop(kind, [])
    pipe = client.pipeline(transaction=True)
    pipe.lrange(f"{PREFIX}note:{kind}", 0, -1)
    pipe.delete(f"{PREFIX}note:{kind}")
    return list(pipe.execute()[0])


def give_back(kind, counts=None, notes=None):
    """Put back what a failed flush took, so the next one writes it."""
    for key, amount in (counts or {}).items():
        count(kind, key, amount)
    for text in notes or []:
        note(kind, text)


def clear():
    """Forget everything waiting (tests)."""
    client = _client()
    current_app.extensions.pop("pending_batch", None)
    current_app.extensions.pop("pending_flushed_at", None)
    if client is None:
        current_app.extensions.pop("pending", None)
        return
    keys = list(client.scan_iter(f"{PREFIX}*"))
    if keys:
        client.delete(*keys)
