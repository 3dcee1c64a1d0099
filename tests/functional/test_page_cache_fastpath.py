"""The page cache's WSGI fast path: a stored page reaches an anonymous visitor without Flask building a request.

``flask.request_started`` fires for every request Flask handles: a hit of the fast path leaves it silent. The fast
path must answer exactly what a Flask hit answers (headers, 304), and leave to Flask every request it cannot decide:
signed-in visitors, baskets, unknown hosts, language choices to remember, rate-limited routes (a product page's
view is counted by the storefront's callback); and never serve a page past a revocation or midnight. With
``TEST_REDIS_URL`` the one-round-trip Redis read is checked against a second app server.
"""

import os
from datetime import time, timedelta

import pytest
import redis
from flask import request_started
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.core import generation, pagecache
from marketplace.core.recent import Recent
from marketplace.extensions import db
from marketplace.jobs.scheduled import flush_views
from marketplace.registry.models import Certificate
from marketplace.shop.cart.services import SESSION_KEY as CART_SESSION_KEY
from marketplace.shop.catalog.models import ProductView
from tests.factories import make_entity, make_listed, make_user
from tests.functional.test_page_cache import DAY
from tests.integration.test_page_cache_redis import server

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture
def cached(app):
    """The page cache on (the suite runs with it off), empty."""
    app.config["PAGE_CACHE"] = "on"
    pagecache.clear()
    yield pagecache.cache
    app.config["PAGE_CACHE"] = "off"


@pytest.fixture
def honey(frozen_clock):
    """A listed 5-star product (on the home page), its certificate valid until today (as in test_page_cache)."""
    product = make_listed("Mật ong bạc hà Mèo Vạc", stars=5, price_vnd=420000,
                          entity=make_entity("HTX Ong Mật Mèo Vạc", province_code="08"), criteria_set_code="11")
    db.session.scalar(select(Certificate).where(Certificate.product_id == product.id)).valid_until = DAY
    db.session.commit()
    return product


@pytest.fixture
def flask_requests(app):
    """How many requests Flask itself handled (the fast path's hits are not among them)."""
    seen = []

    def started(_sender, **_extra):
        seen.append(1)

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def fast_hit(client, url, flask_requests, **kwargs):
    """Request ``url`` after a first request stored it: the answer must come from the fast path."""
    first = client.get(url, **kwargs)
    assert first.status_code == 200, url
    before = len(flask_requests)
    hit = client.get(url, **kwargs)
    assert hit.status_code == 200 and hit.headers["X-Page-Cache"] == "hit", url
    assert len(flask_requests) == before, f"{url}: Flask handled the hit"
    assert hit.get_data() == first.get_data()
    return hit


def same_headers(one, other):
    """The same headers in the same order (the Date of each answer aside from its value)."""
    def listed(response):
        return [(name, "…" if name == "Date" else value) for name, value in response.headers.items()]
    assert "Date" in one.headers and "Date" in other.headers
    return listed(one) == listed(other)


def through_flask(client, url, flask_requests, **kwargs):
    """Request ``url``; Flask must handle it. Returns the answer."""
    before = len(flask_requests)
    response = client.get(url, **kwargs)
    assert len(flask_requests) == before + 1, f"{url}: the fast path answered"
    return response


@pytest.mark.parametrize("url", ["/", "/search", "/search?q=bac+ha", "/search?page=1&sort=new"])
def test_a_stored_page_is_served_without_entering_flask(app, client, cached, flask_requests, honey, url):
    fast_hit(client, url, flask_requests)


def test_the_fast_path_answers_like_a_flask_hit(app, cached, flask_requests, honey):
    visitor = app.test_client()
    fast = fast_hit(visitor, "/search", flask_requests)
    app.config["PAGE_CACHE_FAST_PATH"] = "off"
    try:
        slow = through_flask(visitor, "/search", flask_requests)
        assert slow.headers["X-Page-Cache"] == "hit"
        assert same_headers(fast, slow)
        assert "Content-Security-Policy" in fast.headers and "Set-Cookie" not in fast.headers
        slow_304 = through_flask(visitor, "/search", flask_requests, headers={"If-None-Match": slow.headers["ETag"]})
    finally:
        app.config["PAGE_CACHE_FAST_PATH"] = "on"
    fast_304 = visitor.get("/search", headers={"If-None-Match": fast.headers["ETag"]})
    assert fast_304.status_code == slow_304.status_code == 304 and fast_304.get_data() == b""
    assert same_headers(fast_304, slow_304)


def test_a_harmless_session_cookie_is_served_fast_in_its_language(app, cached, flask_requests, honey):
    visitor = app.test_client()
    visitor.get("/session/bits")  # the page's script fetches the CSRF token: the visitor now has a session cookie
    with visitor.session_transaction() as session:
        assert set(session) == {"csrf_token"}
        session["lang"] = "en"
    visitor.set_cookie("lang", "en")
    assert "Search" in fast_hit(visitor, "/search", flask_requests).get_data(as_text=True)


def test_accept_language_picks_the_same_entry_as_flask(app, cached, flask_requests, honey):
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    app.test_client().get("/search", headers=english)  # stored by Flask
    before = len(flask_requests)
    hit = app.test_client().get("/search", headers=english)
    assert len(flask_requests) == before and "Search" in hit.get_data(as_text=True)
    assert "Tìm kiếm" in fast_hit(app.test_client(), "/search", flask_requests).get_data(as_text=True)


def test_signed_in_visitors_and_baskets_go_through_flask(app, client, cached, flask_requests, honey):
    fast_hit(app.test_client(), "/", flask_requests)
    buyer = make_user("customer", name="Chị Lan")
    db.session.commit()
    client.login_as(buyer)
    assert through_flask(client, "/", flask_requests).headers["X-Page-Cache"] == "personal"
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session[CART_SESSION_KEY] = "a-basket"
    assert through_flask(visitor, "/", flask_requests).headers["Cache-Control"] == "private, no-store"
    forged = app.test_client()
    forged.set_cookie("session", "not-signed-by-us")
    assert through_flask(forged, "/", flask_requests).status_code == 200
    remembered = app.test_client()
    remembered.set_cookie("remember_token", "1|whatever")
    through_flask(remembered, "/", flask_requests)
    through_flask(app.test_client(), "/", flask_requests, headers={"Authorization": "Bearer whatever"})


def test_an_unknown_host_still_gets_a_plain_400(app, cached, flask_requests, honey):
    fast_hit(app.test_client(), "/", flask_requests)
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    try:
        fast_hit(app.test_client(), "/", flask_requests)
        refused = through_flask(app.test_client(), "/", flask_requests, headers={"Host": "evil.example"})
    finally:
        app.config["TRUSTED_HOSTS"] = None
    assert refused.status_code == 400 and "unknown host" in refused.get_data(as_text=True)


def test_language_choices_heads_and_odd_queries_go_through_flask(app, cached, flask_requests, honey):
    fast_hit(app.test_client(), "/search", flask_requests)
    chooser = app.test_client()
    chosen = through_flask(chooser, "/search?lang=en", flask_requests)
    assert "lang=en" in chosen.headers.get("Set-Cookie", "")
    before = len(flask_requests)
    assert app.test_client().head("/search").status_code == 200 and len(flask_requests) == before + 1
    assert through_flask(app.test_client(), "/search?q=a%00b", flask_requests).status_code == 400


def test_rate_limited_routes_go_through_flask(app, cached, flask_requests, honey):
    app.test_client().get("/api/v1/products")
    api = through_flask(app.test_client(), "/api/v1/products", flask_requests)
    assert api.headers["X-Page-Cache"] == "hit" and "X-RateLimit-Remaining" in api.headers and app.wsgi_app.slow


def test_a_product_page_hit_skips_flask_and_counts_the_view(app, client, cached, flask_requests, honey):
    url = f"/p/{honey.slug}"
    first = client.get(url)
    assert first.headers["X-Page-Cache"] == "miss" and "Set-Cookie" not in first.headers  # nothing in a session
    assert f'data-product-id="{honey.id}"' in first.get_data(as_text=True)  # session-bits.js keeps it locally
    hit = fast_hit(client, url, flask_requests)
    hit.close()
    assert "Set-Cookie" not in hit.headers and "public" in hit.headers["Cache-Control"]
    conditional = client.get(url, headers={"If-None-Match": hit.headers["ETag"]})
    assert conditional.status_code == 304 and len(flask_requests) == 1  # only the first request reached Flask
    client.get(url, headers={"User-Agent": "Googlebot/2.1"}).close()  # a bot is served, not counted
    with client.session_transaction() as session:
        assert "recently_viewed" not in session
    assert flush_views() == (1, 0)
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 4


def test_the_fast_path_flushes_the_views_after_the_answer_when_enough_wait(app, cached, flask_requests, honey,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "PENDING_FLUSH_EVERY", 2)
    visitor = app.test_client()
    visitor.get(f"/p/{honey.slug}").close()
    hit = visitor.get(f"/p/{honey.slug}")
    assert len(flask_requests) == 1 and hit.headers["X-Page-Cache"] == "hit"
    assert db.session.scalar(select(func.count()).select_from(ProductView)) == 0  # not while answering
    hit.close()  # the server is done with the answer: the flush runs in its own transaction
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 2


def test_a_revocation_reaches_the_fast_path_on_the_next_request(app, cached, flask_requests, honey):
    visitor = app.test_client()
    assert f'href="/p/{honey.slug}"' in fast_hit(visitor, "/", flask_requests).get_data(as_text=True)
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == honey.id))
    certificate.status, certificate.revoked_on = "revoked", DAY
    certificate.revocation_reason = "a) Không duy trì chất lượng"
    db.session.commit()
    after = through_flask(visitor, "/", flask_requests)
    assert after.headers["X-Page-Cache"] == "miss" and f'href="/p/{honey.slug}"' not in after.get_data(as_text=True)


def test_midnight_reaches_the_fast_path(app, cached, flask_requests, honey, frozen_clock):
    frozen_clock.set(DAY, time(23, 59, 50))
    visitor = app.test_client()
    assert f'href="/p/{honey.slug}"' in fast_hit(visitor, "/", flask_requests).get_data(as_text=True)
    frozen_clock.set(DAY + timedelta(days=1), time(0, 0, 1))  # the certificate was valid until DAY
    after = through_flask(visitor, "/", flask_requests)
    assert after.headers["X-Page-Cache"] == "miss" and f'href="/p/{honey.slug}"' not in after.get_data(as_text=True)


def test_the_fast_path_off_leaves_every_request_to_flask(app, cached, flask_requests, honey):
    app.config["PAGE_CACHE_FAST_PATH"] = "off"
    try:
        visitor = app.test_client()
        visitor.get("/")
        assert through_flask(visitor, "/", flask_requests).headers["X-Page-Cache"] == "hit"
    finally:
        app.config["PAGE_CACHE_FAST_PATH"] = "on"


def test_the_fast_path_sits_inside_proxyfix(app):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
        TRUSTED_PROXIES = 1

    proxied = create_app(Config)
    assert isinstance(proxied.wsgi_app, ProxyFix) and isinstance(proxied.wsgi_app.app, pagecache.FastPath)
    assert isinstance(app.wsgi_app, pagecache.FastPath)  # no proxies trusted: the fast path is outermost


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_with_redis_a_bump_on_another_server_reaches_the_fast_path(app, frozen_clock):
    redis.Redis.from_url(REDIS_URL).flushdb()
    a, b = server(app, REDIS_URL), server(app, REDIS_URL)
    seen = []
    request_started.connect(lambda _sender, **_extra: seen.append(1), b, weak=False)
    visitor = b.test_client()
    visitor.get("/")
    before = len(seen)
    assert visitor.get("/").headers["X-Page-Cache"] == "hit" and len(seen) == before
    with a.app_context():
        generation.bump()  # a commit on server A; B's guess is still the old number, whose page is still stored
    assert visitor.get("/").headers["X-Page-Cache"] == "miss" and len(seen) == before + 1
    assert visitor.get("/").headers["X-Page-Cache"] == "hit" and len(seen) == before + 1  # the new page, fast
    with b.app_context():
        generation._state()["lost_bumps"] = 1  # a bump B failed to send: Flask's path replays it first
        assert not generation.settled()
    assert visitor.get("/").headers["X-Page-Cache"] == "miss"
    with b.app_context():
        assert generation.settled()
    for each in (a, b):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_with_redis_a_page_kept_in_the_process_is_served_only_under_its_generation(app, frozen_clock):
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    a, b = server(app, REDIS_URL), server(app, REDIS_URL)
    seen = []
    request_started.connect(lambda _sender, **_extra: seen.append(1), b, weak=False)
    visitor = b.test_client()
    first = visitor.get("/")
    assert visitor.get("/").headers["X-Page-Cache"] == "hit" and len(seen) == 1  # read from Redis, now kept by B
    stored = client.keys(f"{pagecache.PREFIX}*")
    assert stored and b.wsgi_app.kept.entries
    client.delete(*stored)  # the generation has not moved: B's own copy is still the page of today's catalogue
    kept = visitor.get("/")
    assert kept.headers["X-Page-Cache"] == "hit" and len(seen) == 1 and kept.get_data() == first.get_data()
    with a.app_context():
        generation.bump()  # a commit on server A: B's copy is of an old generation and must not be served again
    assert visitor.get("/").headers["X-Page-Cache"] == "miss" and len(seen) == 2
    assert visitor.get("/").headers["X-Page-Cache"] == "hit" and len(seen) == 2
    with b.app_context():
        pagecache.clear()  # the shared store and every process's copies
    assert not b.wsgi_app.kept.entries
    assert visitor.get("/").headers["X-Page-Cache"] == "miss" and len(seen) == 3
    for each in (a, b):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def test_kept_pages_are_bounded_and_expire():
    now = [100.0]
    kept = Recent(2, clock=lambda: now[0])
    kept.put("a:1", {"body": b"a"}, 300)
    kept.put("b:1", {"body": b"b"}, 300)
    assert kept.get("a:1") == {"body": b"a"}  # a is now the most recently served
    kept.put("c:1", {"body": b"c"}, 300)
    assert kept.get("b:1", None) is None and kept.get("a:1") and kept.get("c:1")
    now[0] += 300
    assert kept.get("a:1", None) is None and kept.get("c:1", None) is None and not kept.entries


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_the_fast_paths_redis_line_reads_and_opens_again_after_a_broken_connection():
    client = redis.Redis.from_url(REDIS_URL)
    client.set("line-test", b"42")
    line = pagecache.RedisLine(REDIS_URL)
    assert line.get("line-test") == b"42" and line.mget("line-test", "line-missing") == [b"42", None]
    client.execute_command("CLIENT", "KILL", "ID", line.call("CLIENT", "ID"))  # the server drops our connection
    with pytest.raises(redis.ConnectionError):
        line.get("line-test")
    assert line.get("line-test") == b"42"  # opened again
    with pytest.raises(redis.ConnectionError):
        pagecache.RedisLine("redis://127.0.0.1:1/0").get("line-test")  # nothing listens: a RedisError, not a hang
    client.delete("line-test")
