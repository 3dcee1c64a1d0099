"""The page cache and the catalogue generation in Redis: two app servers share both; Redis away bypasses the cache.

Two applications on one database and one Redis stand for two app servers (the cluster test does it over HTTP
with gunicorn). ``TEST_REDIS_URL`` names the Redis (.ci/run sets it); this module empties that database.
"""

import os

import pytest
import redis
from sqlalchemy import select

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.core import generation, pagecache
from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing
from tests.factories import make_listed

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")


def server(app, redis_url):
    """Another application on ``app``'s database, with the page cache on and ``redis_url`` as its Redis."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
        SEARCH_BACKEND = app.config["SEARCH_BACKEND"]
        REDIS_URL = redis_url
        PAGE_CACHE = "on"

    return create_app(Config)


@pytest.fixture
def two_servers(app):
    """Servers A and B sharing the test database and Redis (emptied first)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    servers = server(app, REDIS_URL), server(app, REDIS_URL)
    yield servers
    for each in servers:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def listed_product(app):
    with app.app_context():
        product = make_listed("Mật ong bạc hà Mèo Vạc", stars=5)
        db.session.commit()
        return product.id, product.slug


@needs_redis
def test_a_page_cached_on_b_forgets_a_revocation_committed_on_a(two_servers, frozen_clock):
    a, b = two_servers
    product_id, slug = listed_product(a)
    browser_b, browser_a = b.test_client(), a.test_client()
    for url in (f"/p/{slug}", f"/api/v1/products/{product_id}"):
        browser_b.get(url)
        assert browser_b.get(url).headers["X-Page-Cache"] == "hit"
        assert browser_a.get(url).headers["X-Page-Cache"] == "hit"  # one cache: B's page serves A's visitors
    with a.app_context():
        before = generation.current()
        certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product_id))
        certificate.status, certificate.revoked_on = "revoked", frozen_clock.now().date()
        certificate.revocation_reason = "a) Không duy trì chất lượng"
        db.session.commit()
        assert generation.current() == before + 1
    with b.app_context():
        assert generation.current() == before + 1  # B reads the same number
    page = browser_b.get(f"/p/{slug}")
    assert page.headers["X-Page-Cache"] == "miss" and 'class="buy-form"' not in page.get_data(as_text=True)
    assert browser_b.get(f"/api/v1/products/{product_id}").get_json()["sellable"] is False


@needs_redis
def test_a_price_change_on_a_shows_on_b_at_once(two_servers, frozen_clock):
    a, b = two_servers
    product_id, slug = listed_product(a)
    visitor = b.test_client()
    visitor.get(f"/p/{slug}")
    assert "420.000" not in visitor.get(f"/p/{slug}").get_data(as_text=True)
    with a.app_context():
        db.session.scalar(select(Listing).where(Listing.product_id == product_id)).price_vnd = 420000
        db.session.commit()
    assert "420.000" in visitor.get(f"/p/{slug}").get_data(as_text=True)


def test_redis_away_bypasses_the_cache_and_keeps_the_shop_answering(app, frozen_clock):
    down = server(app, "redis://127.0.0.1:1/0")  # nothing listens there
    try:
        product_id, slug = listed_product(down)
        visitor = down.test_client()
        for _ in range(2):
            page = visitor.get(f"/p/{slug}")
            assert page.status_code == 200 and 'class="buy-form"' in page.get_data(as_text=True)
            assert page.headers["X-Page-Cache"] == "unstored"
            api = down.test_client().get(f"/api/v1/products/{product_id}")
            assert api.headers["X-Page-Cache"] == "unstored" and api.headers["Cache-Control"] == "no-cache"
        with down.app_context():
            assert not generation.trusted()
            numbers = {generation.current(), generation.current()}
            assert len(numbers) == 2 and max(numbers) < 0  # never the same key twice while Redis is away
            lost = down.extensions["generation"]["lost_bumps"]
            db.session.scalar(select(Listing).where(Listing.product_id == product_id)).price_vnd = 99000
            db.session.commit()  # the bump fails: logged, kept for later, the commit stands
            assert down.extensions["generation"]["lost_bumps"] == lost + 1
        assert "99.000" in visitor.get(f"/p/{slug}").get_data(as_text=True)
    finally:
        with down.app_context():
            db.session.remove()
            db.engine.dispose()


@needs_redis
def test_a_bump_lost_while_redis_was_away_reaches_it_later(app, frozen_clock):
    redis.Redis.from_url(REDIS_URL).flushdb()
    shop = server(app, REDIS_URL)
    try:
        product_id, _slug = listed_product(shop)
        with shop.app_context():
            before = generation.current()
            shop.config.update(REDIS_URL="redis://127.0.0.1:1/0", PAGE_CACHE_SECONDS=0)  # Redis away, briefly
            db.session.scalar(select(Listing).where(Listing.product_id == product_id)).price_vnd = 99000
            db.session.commit()
            shop.config["REDIS_URL"] = REDIS_URL  # back
            assert redis.Redis.from_url(REDIS_URL).get(generation.KEY) == str(before).encode()
            assert generation.current() == before + 1  # the lost bump is replayed first
            assert shop.extensions["generation"]["lost_bumps"] == 0
    finally:
        with shop.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_page_cache_uses_redis_when_configured(app):
    shop = server(app, "redis://127.0.0.1:1/0")
    with shop.app_context():
        assert type(pagecache.cache.cache).__name__ == "RedisCache"
    with app.app_context():
        assert type(pagecache.cache.cache).__name__ == "SimpleCache"
    with shop.app_context():
        db.engine.dispose()


@needs_redis
def test_a_generation_lost_with_redis_never_brings_back_a_page_kept_by_a_process(two_servers, frozen_clock):
    a, b = two_servers
    product_id, slug = listed_product(a)
    visitor, store = b.test_client(), redis.Redis.from_url(REDIS_URL)

    def price(vnd):
        with a.app_context():
            db.session.scalar(select(Listing).where(Listing.product_id == product_id)).price_vnd = vnd
            db.session.commit()  # the generation moves on

    visitor.get(f"/p/{slug}")
    assert visitor.get(f"/p/{slug}").headers["X-Page-Cache"] == "hit"  # B keeps this page in its memory
    price(99000)
    assert "99.000" in visitor.get(f"/p/{slug}").get_data(as_text=True)
    assert visitor.get(f"/p/{slug}").headers["X-Page-Cache"] == "hit"  # and this one
    store.flushdb()  # Redis restarted without its data (or the number was evicted)
    price(98000)  # the first bump after that must not land on a number B has pages for
    page = visitor.get(f"/p/{slug}")
    assert page.headers["X-Page-Cache"] == "miss" and "98.000" in page.get_data(as_text=True)
    store.flushdb()
    page = visitor.get(f"/p/{slug}")  # nor the first read
    assert page.headers["X-Page-Cache"] == "miss" and "98.000" in page.get_data(as_text=True)
