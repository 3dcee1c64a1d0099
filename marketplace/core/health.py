"""Readiness checks of what the application cannot work without: the database and a configured Redis.

Each returns None when the service answers, else a short description of what is wrong (for ``/readyz``).
"""

import redis
from sqlalchemy import text

from marketplace.extensions import db

REDIS_TIMEOUT = 1.0  #: seconds a readiness probe waits for Redis
_redis_clients = {}


def database_problem():
    """None when the database answers ``SELECT 1``."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the probe itself must answer
        db.session.rollback()
        return f"the database does not answer ({type(error).__name__})"
    return None


def redis_problem(url):
    """None when Redis at ``url`` answers PING, or when no Redis is configured (``url`` empty)."""
    if not url:
        return None
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                                                   socket_timeout=REDIS_TIMEOUT)
    try:
        _redis_clients[url].ping()
    except Exception as error:  # noqa: BLE001
        return f"Redis does not answer ({type(error).__name__})"
    return None
