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

:class:`FastPath` (WSGI, in front of Flask) serves the same stored pages without Flask building a request or an app
context: it computes the same key (:func:`stem_of`, :func:`~marketplace.core.i18n.locale_of`), reads the generation
from Redis on every request, and serves the page kept in the process's memory for that generation (core/recent.py)
or read with it in one ``MGET``. Whatever it cannot decide, it leaves to Flask (``PAGE_CACHE_FAST_PATH = off``
disables it). A page whose notes all have a callback registered with :func:`on_fast_hit` (the storefront counts a
product page's view so) is served here too, calling them.
"""

import functools
import hashlib
import logging
import os
import threading
import time as systime
import weakref
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import redis
from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_caching import Cache
from flask_login import current_user
from itsdangerous import BadSignature
from werkzeug.exceptions import SecurityError
from werkzeug.http import http_date
from werkzeug.wsgi import ClosingIterator, get_host

from marketplace.core import clock, generation
from marketplace.core.i18n import LANGUAGE_COOKIE, locale_of, select_locale
from marketplace.core.input import CONTROL_CHARACTERS
from marketplace.core.recent import Recent
from marketplace.extensions import limiter

log = logging.getLogger(__name__)

cache = Cache()
#: Session keys that change nothing on a cached page (language is part of the key; recently viewed products show
#: only on the account's wishlist page; the CSRF secret is fetched by script; "wal" is the replica's position).
HARMLESS = frozenset({"csrf_token", "lang", "recently_viewed", "wal", "_fresh", "_permanent"})
#: Headers never stored with a page (set again on every answer).
NOT_STORED = frozenset({"set-cookie", "cache-control", "etag", "date", "content-length", "vary", "x-page-cache",
                        "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"})
PREFIX = "page:"  #: Redis keys of stored pages: page:<sha256 of the request's parts>:<generation>
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
    app.config.setdefault("PAGE_CACHE_FAST_PATH", "on")
    url = app.config.get("REDIS_URL")
    settings = {"CACHE_DEFAULT_TIMEOUT": int(app.config["PAGE_CACHE_SECONDS"]), "CACHE_KEY_PREFIX": PREFIX,
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


def enabled(config=None):
    """True unless ``PAGE_CACHE`` is off."""
    return _on((config or current_app.config).get("PAGE_CACHE", "on"))


def _on(value):
    return str(value).lower() not in {"off", "0", "false", "no"}


def rendering_for_cache():
    """True while a page is rendered to be stored: no per-visitor bits may go into it."""
    return bool(g.get("page_cache_render"))


def _csrf_token_or_blank(generate):
    """Templates' ``csrf_token()``: blank in a page rendered for the cache (static/js/session-bits.js fills it)."""
    return "" if rendering_for_cache() else generate()


def on_fast_hit(app, name, callback):
    """Let the fast path serve pages noting ``name``: ``callback(value, user_agent)`` runs on each of their hits.

    It runs outside any app context (the fast path pushes none) and answers None or a function to call once the
    answer has been sent (e.g. a flush of the views waiting, which pushes its own context).
    """
    app.extensions.setdefault("page_cache_fast_hits", {})[name] = callback


def _fast_hits(app):
    return app.extensions.get("page_cache_fast_hits", {})


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
    return stem_of(request, select_locale(), clock.today()) + str(number)


def stem_of(req, language, day):
    """The key without its generation (Flask's request or the fast path's): a digest of the rest, then ``:``."""
    method = "GET" if req.method == "HEAD" else req.method
    query = urlencode(sorted(req.args.items(multi=True)))
    parts = [method, req.path, query, language, day.isoformat()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest() + ":"


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
        notes = g.pop("page_cache_notes", {})
        _write(state["key"], {"body": body, "headers": headers, "etag": state["etag"], "notes": notes,
                              "fast": set(notes) <= set(_fast_hits(current_app)) and not limiter.current_limits})
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


def public_cache_control(config=None):
    """``public, max-age=0, s-maxage=S, stale-while-revalidate=W``: S + W never reach past midnight in Vietnam."""
    config = config or current_app.config
    return _cache_control_at(clock.now().replace(microsecond=0), config["HTTP_CACHE_SECONDS"],
                             config["PAGE_CACHE_SECONDS"], config["HTTP_STALE_SECONDS"])


@functools.lru_cache(maxsize=8)
def _cache_control_at(moment, http_seconds, page_seconds, stale_seconds):
    """:func:`public_cache_control` at ``moment`` (a whole second: every answer of that second shares it)."""
    left = seconds_to_midnight(moment)
    shared = min(int(http_seconds), int(page_seconds), left)
    stale = max(0, min(int(stale_seconds), left - shared))
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"


@functools.lru_cache(maxsize=2)
def _date_at(second):
    """The ``Date`` header of every answer sent in that whole second (Unix time)."""
    return http_date(second)


# --- the fast path: a stored page served before Flask builds a request ---------------------------------------------

SLOW_STEMS = 4096  #: how many slow stems the fast path remembers (then it forgets them all and starts again)
KEPT_PAGES = 512  #: how many stored pages a process keeps in its own memory (least recently served go first)
DECISIONS_SECONDS = 10  #: how long the fast path keeps what it decided for the same request parts
DECISIONS = 4096  #: how many decisions it keeps (then it forgets them all and starts again)
#: What the fast path's decision depends on in a request (with the trusted hosts and the day): see FastPath.decide.
REQUEST_PARTS = ("PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
                 "wsgi.url_scheme", "HTTP_COOKIE", "HTTP_ACCEPT_LANGUAGE", "HTTP_AUTHORIZATION")
_fast_paths = weakref.WeakSet()  #: every FastPath of this process (:func:`clear` empties their memory)
#: Request headers that make an answer conditional (werkzeug's ``make_conditional`` answers those).
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
               "HTTP_IF_RANGE", "HTTP_RANGE")


class FastPath:
    """WSGI middleware in front of Flask: a stored page for an anonymous GET, else the request goes on to Flask.

    It answers only what a Flask hit would answer the same way: a GET on a trusted host, without an Authorization
    header, a remember-me cookie or a session holding more than :data:`HARMLESS` keys (nor a permanent one, whose
    cookie Flask renews), without a language choice still to be written, for an entry marked ``fast`` (no notes
    without an :func:`on_fast_hit` callback, no rate limit on its route). The answer (stored headers, ETag, 304,
    Cache-Control, Vary) is the one :func:`_finish` gives a hit. Anything else, and any error, falls through to Flask.
    """

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.last_generation = 0  #: a guess only (the generation last read here): never trusted without Redis's word
        self.slow = set()  #: stems whose entries Flask must serve (product pages, rate-limited routes): not read here
        self.decisions, self.decisions_until = {}, 0.0  #: :meth:`decide`'s answers, by request parts, until then
        self.kept = Recent(KEPT_PAGES)  #: entries already read from Redis, by stem and generation (see lookup)
        self.line = None  #: this process's own Redis connection (:class:`RedisLine`), opened on first use
        _fast_paths.add(self)

    def __call__(self, environ, start_response):
        """The stored page, or Flask's answer."""
        response = None
        if environ.get("REQUEST_METHOD") == "GET":
            try:
                response = self.answer(environ)
            except Exception as error:  # noqa: BLE001 - Flask answers whatever the fast path could not
                log.warning("page cache fast path skipped (%s)", type(error).__name__)
        if response is None:
            return self.wsgi_app(environ, start_response)
        response, after = response
        if isinstance(response, tuple):  # a plain 200: status, headers and body as a Flask hit sends them
            start_response("200 OK", response[0])
            body = [response[1]]
        else:
            body = response(environ, start_response)
        return ClosingIterator(body, after) if after else body

    def answer(self, environ):
        """The stored page's response for this request and what to run once it is sent, or None (Flask answers)."""
        app, config = self.app, self.app.config
        if not (enabled(config) and _on(config.get("PAGE_CACHE_FAST_PATH", "on"))):
            return None
        decided = self.decide(environ, clock.today())
        if decided is None:
            return None
        stem, chosen = decided
        if stem in self.slow:
            return None
        entry = self.lookup(stem)
        if entry is None:
            return None
        if not entry.get("fast"):  # the same route and query stay slow: spare Redis the next time
            if len(self.slow) >= SLOW_STEMS:
                self.slow.clear()
            self.slow.add(stem)
            return None
        callbacks = _fast_hits(app)
        if not set(entry["notes"]) <= set(callbacks):
            return None  # stored by a process that knew more callbacks: Flask replays the notes
        if any(name in environ for name in CONDITIONAL):
            req = app.request_class(environ, populate_request=False, shallow=True)
            response = _hit_response(app, req, entry, chosen)
        else:
            response = _plain_hit(app, entry, chosen), entry["body"]
        user_agent = environ.get("HTTP_USER_AGENT")
        after = [callbacks[name](value, user_agent) for name, value in entry["notes"].items()]
        return response, [function for function in after if function is not None]

    def decide(self, environ, day):
        """(stem, language chosen or None) for a request the fast path may answer, else None; kept per request's parts.

        The answer depends only on the parts in :data:`REQUEST_PARTS`, the trusted hosts and the day, so it is kept
        for the same parts for up to :data:`DECISIONS_SECONDS` (a visitor's next page, a crowd on the same page).
        """
        parts = (day, tuple(self.app.config.get("TRUSTED_HOSTS") or ()),
                 *(environ.get(name) for name in REQUEST_PARTS))
        now = systime.monotonic()
        if now >= self.decisions_until or len(self.decisions) >= DECISIONS:
            self.decisions, self.decisions_until = {}, now + DECISIONS_SECONDS
        try:
            return self.decisions[parts]
        except KeyError:
            decided = self.decisions[parts] = _decide(self.app, environ, day)
            return decided

    def lookup(self, stem):
        """The entry stored under ``stem`` and the current generation, or None.

        With Redis, the generation is read on every request. An entry is stored once per stem and generation and never
        changes, so this process keeps the ones it read (:attr:`kept`): when it holds the page of the generation
        last seen here, one ``GET`` of the number (a few bytes) is the whole round trip. Otherwise one ``MGET``
        (atomic) reads the number and the page stored under that guess; when the number moved on, one more ``GET``
        reads the page stored under the new one.
        """
        if not generation.settled(self.app):
            return None  # generation.current() has work to do (or nothing to offer): Flask's path does it
        client = self.client()
        if client is None:  # no Redis: this process's counter and memory
            with self.app.app_context():
                return _read(stem + str(generation.current()))
        guess = self.last_generation
        try:
            entry = self.kept.get(stem + str(guess), None)
            if entry is not None:
                number, value = client.get(generation.KEY), None
            else:
                number, value = client.mget(generation.KEY, f"{PREFIX}{stem}{guess}")
            if number is None:
                return None  # Redis lost the number: generation.current() starts it afresh on Flask's path
            number = int(number)
            if number != guess:
                self.last_generation = number
                entry = self.kept.get(stem + str(number), None)
                value = None if entry is not None else client.get(f"{PREFIX}{stem}{number}")
        except (redis.RedisError, ValueError) as error:
            log.warning("page cache fast path: Redis failed (%s)", type(error).__name__)
            return None
        if value is not None:
            entry = self.app.extensions["cache"][cache].serializer.loads(value)  # this app's RedisCache
            self.kept.put(stem + str(number), entry, int(self.app.config["PAGE_CACHE_SECONDS"]))
        return entry

    def client(self):
        """The process's :class:`RedisLine` to ``REDIS_URL`` (None without one)."""
        url = self.app.config.get("REDIS_URL")
        if not url:
            return None
        if self.line is None or self.line.url != url:
            self.line = RedisLine(url)
        return self.line


class RedisLine:
    """One Redis connection of the fast path's own: ``get`` and ``mget`` of raw bytes, nothing more.

    Every hit reads the generation, so the read skips redis-py's client layer (connection pool, retries, command
    callbacks, metrics: 15 µs a call here) and speaks through one ``redis.Connection`` (its RESP packing, hiredis
    parsing, timeouts, TLS and URL settings). A forked process opens its own; an error closes the connection (the
    next call opens it again) and reaches the caller as a ``redis.RedisError``.
    """

    def __init__(self, url):
        self.url = url
        self.lock = threading.Lock()
        self.pid, self.connection = None, None

    def get(self, name):
        """The value of ``name`` (bytes), or None."""
        return self.call("GET", name)

    def mget(self, *names):
        """The values of ``names`` (bytes or None each), read at once."""
        return self.call("MGET", *names)

    def call(self, *command):
        """Send one command, answer its reply."""
        with self.lock:
            if self.pid != os.getpid():
                pool = redis.ConnectionPool.from_url(self.url, socket_timeout=generation.REDIS_TIMEOUT,
                                                     socket_connect_timeout=generation.REDIS_TIMEOUT)
                self.pid, self.connection = os.getpid(), pool.make_connection()
            try:
                self.connection.send_command(*command)
                return self.connection.read_response()
            except BaseException:
                self.connection.disconnect()
                raise


def clear():
    """Empty the page cache: the shared store (Flask-Caching; needs an app context) and every process-kept copy here."""
    cache.clear()
    for fast_path in list(_fast_paths):
        fast_path.kept.clear()
        fast_path.decisions = {}


def _decide(app, environ, day):
    """(stem, language chosen or None) when the fast path may answer this request, else None (Flask answers)."""
    req = app.request_class(environ, populate_request=False, shallow=True)
    stored = _visitor_session(app, req)
    if stored is None or not _plain_request(app, req):
        return None
    session_language = stored.get("lang")
    chosen = _chosen_language(req, session_language, app.config)
    if chosen is not None and (session_language != chosen or req.cookies.get(LANGUAGE_COOKIE) != chosen):
        return None  # i18n.remember_language would write the choice into the session and the cookie
    return stem_of(req, locale_of(req, session_language, app.config), day), chosen


def _visitor_session(app, req):
    """The visitor's session as Flask would open it ({} without a cookie); None when it is not plainly harmless."""
    value = req.cookies.get(app.config["SESSION_COOKIE_NAME"])
    if not value:
        return {}
    if not isinstance(app.session_interface, SecureCookieSessionInterface):
        return None  # another session store: Flask opens it
    serializer = app.session_interface.get_signing_serializer(app)
    if serializer is None:
        return None
    try:
        stored = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(stored, dict) or not set(stored) <= HARMLESS or stored.get("_permanent"):
        return None  # a user, a basket, a flash…; or a permanent session, whose cookie Flask renews on every answer
    return stored


def _plain_request(app, req):
    """A trusted host, no credentials, no control character in the path or query (Flask answers those)."""
    try:
        get_host(req.environ, app.config["TRUSTED_HOSTS"])  # what Flask checks (security.refuse_untrusted_host)
    except SecurityError:
        return False
    if "HTTP_AUTHORIZATION" in req.environ or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in req.cookies:
        return False
    texts = [req.path, *(text for pair in req.args.items(multi=True) for text in pair)]
    return not any(CONTROL_CHARACTERS.search(text) for text in texts)


def _chosen_language(req, session_language, config):
    """i18n.chosen_language for the fast path: ``?lang=`` or the session's choice, when it is a known language."""
    for candidate in (req.args.get("lang"), session_language):
        if candidate in config["LANGUAGES"]:
            return candidate
    return None


def _plain_hit(app, entry, chosen):
    """The headers of :func:`_hit_response` for an unconditional request, in its order, built without werkzeug."""
    vary = [("Vary", "Accept-Language, Cookie")] if chosen is None else []
    headers = [*entry["headers"], ("Content-Length", str(len(entry["body"]))), *vary, (STATE_HEADER, "hit"),
               ("ETag", f'"{entry["etag"]}"'), ("Cache-Control", public_cache_control(app.config))]
    vary = [] if chosen is None else [("Vary", "Cookie, Accept-Language")]
    return [*headers, *vary, ("Date", _date_at(int(systime.time())))]  # as make_conditional dates a GET


def _hit_response(app, req, entry, chosen):
    """What Flask answers on a hit (``cached_page`` then the after-request hooks), built from the entry."""
    response = app.response_class(entry["body"], status=200, headers=entry["headers"])
    if chosen is None:
        response.vary.add("Accept-Language")  # i18n.remember_language
    response.headers[STATE_HEADER] = "hit"
    response.set_etag(entry["etag"])
    response.headers["Cache-Control"] = public_cache_control(app.config)
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(req)
