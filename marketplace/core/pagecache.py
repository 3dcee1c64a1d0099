"""The page cache: whole responses for anonymous visitors, kept by Flask-Caching (Redis with REDIS_URL, else memory).

Views opt in with :func:`cached_page`. A request is served from the cache only when it is a GET (or HEAD) from a
visitor without a user, a basket or any other personal state in their session (only the keys in ``HARMLESS`` may
be there) and without an ``Authorization`` header. The key is the method, the path, the normalised query string,
the language, the date in Vietnam and the catalogue generation (core/generation.py): a commit that changes what
the storefront shows, and midnight, lead to new keys; the old entries expire unread.

A page rendered for the cache leaves the visitor's bits out: ``csrf_token()`` is empty in it (the page's script
fills it from ``/session/bits``), it reads the primary database (never a replica that may be behind the generation
it is stored under), and only a 200 that set no cookie, flashed nothing and embedded no CSRF token is stored.

Every page served this way carries an ``ETag`` (from the key and the body) answered with ``304`` when it matches,
and ``Cache-Control: public, max-age=0, s-maxage=…, stale-while-revalidate=…`` for a CDN or proxy in front,
both small and never reaching past midnight in Vietnam; the same pages for a signed-in visitor are
``private, no-store``. Settings: ``PAGE_CACHE`` (``off`` disables), ``PAGE_CACHE_SECONDS`` (entries' lifetime),
``HTTP_CACHE_SECONDS`` and ``HTTP_STALE_SECONDS`` (what a proxy may keep). See docs/architecture.md.
"""

import functools
import hashlib
import logging
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from flask import current_app, g, request, session
from flask_caching import Cache
from flask_login import current_user

from marketplace.core import clock, generation
from marketplace.core.i18n import current_locale

log = logging.getLogger(__name__)

cache = Cache()
#: Session keys that change nothing on a cached page (language is part of the key; recently viewed products show
#: only on the account's wishlist page; the CSRF secret is fetched by script; "wal" is the replica's position).
HARMLESS = frozenset({"csrf_token", "lang", "recently_viewed", "wal", "_fresh", "_permanent"})
#: Headers never stored with a page (set again on every answer).
NOT_STORED = frozenset({"set-cookie", "cache-control", "etag", "date", "content-length", "vary"})
STATE_HEADER = "X-Page-Cache"  #: how the answer was made: hit, miss, personal or unstored
PERSONAL = "private, no-store"
SESSION_WRITTEN = "private, no-cache"  #: a shared page whose answer sets the visitor's session cookie
UNSTORED = "no-cache"  #: an anonymous page that could not be stored (a cookie, a flash, Redis away): revalidate


def init_app(app):
    """Bind Flask-Caching (RedisCache with REDIS_URL, else SimpleCache) and the hooks (after CSRFProtect)."""
    app.config.setdefault("PAGE_CACHE", "on")
    app.config.setdefault("PAGE_CACHE_SECONDS", 300)
    app.config.setdefault("HTTP_CACHE_SECONDS", 30)
    app.config.setdefault("HTTP_STALE_SECONDS", 30)
    url = app.config.get("REDIS_URL")
    settings = {"CACHE_DEFAULT_TIMEOUT": int(app.config["PAGE_CACHE_SECONDS"]), "CACHE_KEY_PREFIX": "page:",
                "CACHE_THRESHOLD": 5000}
    if url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url,
                        CACHE_OPTIONS={"socket_timeout": 0.5, "socket_connect_timeout": 0.5})
    else:
        settings["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app, config=settings)
    csrf_token = app.jinja_env.globals.get("csrf_token")
    if csrf_token is not None:  # Flask-WTF offers it as a global and through a context processor: replace both
        blank_or_token = functools.partial(_csrf_token_or_blank, csrf_token)
        app.jinja_env.globals["csrf_token"] = blank_or_token
        app.context_processor(lambda: {"csrf_token": blank_or_token})
    app.after_request(_finish)  # registered early: runs after the other after_request hooks


def enabled():
    """True unless ``PAGE_CACHE`` is off."""
    return str(current_app.config.get("PAGE_CACHE", "on")).lower() not in {"off", "0", "false", "no"}


def rendering_for_cache():
    """True while a page is rendered to be stored: no per-visitor bits may go into it."""
    return bool(g.get("page_cache_render"))


def _csrf_token_or_blank(generate):
    """Templates' ``csrf_token()``: blank in a page rendered for the cache (static/js/session-bits.js fills it)."""
    return "" if rendering_for_cache() else generate()


def note(name, value):
    """Set ``g.<name>`` for after-request work (e.g. "recently viewed"), replayed on every hit of this page."""
    setattr(g, name, value)
    g.setdefault("page_cache_notes", {})[name] = value


def anonymous():
    """True when nothing personal comes with the request: no user, no token, only harmless session keys."""
    if request.authorization is not None or "Authorization" in request.headers:
        return False
    if not set(session.keys()) <= HARMLESS:
        return False
    return not current_user.is_authenticated


def key(number):
    """The cache key: method, path, normalised query, language, date in Vietnam, catalogue generation."""
    method = "GET" if request.method == "HEAD" else request.method
    query = urlencode(sorted(request.args.items(multi=True)))
    parts = [method, request.path, query, current_locale(), clock.today().isoformat(), str(number)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cached_page(view):
    """Decorator: serve the view's 200 answers to anonymous visitors from the page cache (outermost decorator)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not enabled() or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        if not anonymous():
            g.page_cache = {"state": "personal"}
            return view(*args, **kwargs)
        number = generation.current()
        if not generation.trusted():
            g.page_cache = {"state": "unstored"}
            return view(*args, **kwargs)
        entry_key = key(number)
        entry = _read(entry_key)
        if entry is not None:
            g.page_cache = {"state": "hit", "etag": entry["etag"]}
            for name, value in entry["notes"].items():
                setattr(g, name, value)
            return current_app.response_class(entry["body"], status=200, headers=entry["headers"])
        g.page_cache = {"state": "miss", "key": entry_key}
        g.page_cache_render = True
        g.primary_reads = True  # a replica may be behind the generation this page is stored under
        return view(*args, **kwargs)
    return wrapped


def _read(entry_key):
    try:
        return cache.get(entry_key)
    except Exception as error:  # noqa: BLE001 - a cache that cannot answer is a miss, never an error page
        log.warning("page cache unreadable (%s); rendering", type(error).__name__)
        return None


def _write(entry_key, entry):
    try:
        cache.set(entry_key, entry)
    except Exception as error:  # noqa: BLE001
        log.warning("page cache not written (%s)", type(error).__name__)


def storable(response):
    """A 200 with a whole body that set no cookie, flashed nothing and embedded no visitor's CSRF token."""
    return (response.status_code == 200 and not response.direct_passthrough and not response.is_streamed
            and "Set-Cookie" not in response.headers and set(session.keys()) <= HARMLESS
            and "csrf_token" not in g)


def _etag(entry_key, body):
    return hashlib.sha256(entry_key.encode() + body).hexdigest()[:32]


def _finish(response):
    """Store a page rendered for the cache; set ETag, Cache-Control and answer 304 where the ETag matches."""
    state = g.pop("page_cache", None)
    g.pop("page_cache_render", None)
    if state is None:
        return response
    response.headers[STATE_HEADER] = state["state"]  # hit, miss, personal or unstored: for logs and tests
    if state["state"] == "miss" and storable(response):
        body = response.get_data()
        state["etag"] = _etag(state["key"], body)
        headers = [(name, value) for name, value in response.headers.items() if name.lower() not in NOT_STORED]
        _write(state["key"], {"body": body, "headers": headers, "etag": state["etag"],
                              "notes": g.pop("page_cache_notes", {})})
    if "etag" not in state:  # personal, or not stored (a cookie, a flash, Redis away)
        personal = (state["state"] == "personal" or "Set-Cookie" in response.headers or session.modified
                    or not anonymous())
        response.headers["Cache-Control"] = PERSONAL if personal else UNSTORED
        return response
    response.set_etag(state["etag"])
    # The session cookie is written after this hook: an answer that will carry one is for this visitor's browser
    # only (a proxy must never hand a cookie to someone else), though its body came from, or went to, the cache.
    response.headers["Cache-Control"] = SESSION_WRITTEN if session.modified else public_cache_control()
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(request)


def seconds_to_midnight(moment=None):
    """Whole seconds left until midnight in Vietnam (at least 1)."""
    moment = moment or clock.now()
    midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=moment.tzinfo)
    return max(1, int((midnight - moment).total_seconds()))


def public_cache_control():
    """``public, max-age=0, s-maxage=S, stale-while-revalidate=W``: S + W never reach past midnight in Vietnam."""
    config = current_app.config
    left = seconds_to_midnight()
    shared = min(int(config["HTTP_CACHE_SECONDS"]), int(config["PAGE_CACHE_SECONDS"]), left)
    stale = max(0, min(int(config["HTTP_STALE_SECONDS"]), left - shared))
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"
