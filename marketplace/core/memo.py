"""Same-for-everyone figures computed once per catalogue generation, day in Vietnam and language, in this process.

The home page's sections and counts, the listing without words (its cards and facets) and the province and entity
pages are the same for every visitor of a day until the catalogue changes. :func:`remember` keeps what they cost
under a key holding the catalogue generation (core/generation.py: it moves on after every commit changing what the
storefront shows, on every server when Redis holds it), the date in Asia/Ho_Chi_Minh and the language: a revocation,
a price change or midnight lead to new keys and the old entries are never read again (the oldest are dropped past
``MEMO_ENTRIES``). Values must be plain data (no database rows) and are shared between requests: never change one.

Kept in this process rather than in Redis: a hit costs a dictionary look-up instead of a round trip and unpickling,
and each process computes an entry once per generation. Computed from the primary database, never a replica that
may be behind the generation the entry is kept under. Off with the page cache (``PAGE_CACHE=off``), and bypassed
while the generation is not trusted (Redis away).
"""

from flask import current_app

from marketplace.core import clock, generation, pagecache
from marketplace.core.i18n import current_locale
from marketplace.core.recent import MISSING, Recent
from marketplace.extensions import db

MEMO_ENTRIES = 256  #: entries kept per application (least recently used dropped first; a few MB at most)


def _entries():
    entries = current_app.extensions.get("memo")
    if entries is None:
        entries = current_app.extensions["memo"] = Recent(current_app.config.get("MEMO_ENTRIES", MEMO_ENTRIES))
    return entries


def _key(name):
    """The entry's key, or None when nothing may be kept now (memo off, generation not trusted)."""
    if "generation" not in current_app.extensions or not pagecache.enabled() or not generation.trusted():
        return None
    number = generation.current()
    if number < 0:
        return None
    return number, clock.today(), current_locale(), name


def remember(name, compute):
    """``compute()``'s value for ``name`` (hashable) in this generation, day and language: computed once."""
    key = _key(name)
    if key is None:
        return compute()
    entries = _entries()
    value = entries.get(key)
    if value is MISSING:
        value = _from_primary(compute)
        entries.put(key, value)
    return value


def _from_primary(compute):
    """``compute()`` reading the primary: a replica may be behind the generation the value is kept under."""
    info = db.session.info
    replica = info.get("replica")
    info["replica"] = False
    try:
        return compute()
    finally:
        info["replica"] = replica


def clear():
    """Forget every entry (tests)."""
    current_app.extensions.pop("memo", None)
