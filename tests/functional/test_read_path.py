"""The uncached path (issue #16, item 4): a read request writes nothing, and what every visitor sees the same is
computed once per catalogue generation, day and language (core/memo) yet never outlives a commit or midnight.

Signed-in buyers are never served stored pages (core/pagecache), so these run as a buyer with the page cache (and
with it the memo) on.
"""

import os
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from marketplace.core import memo, pending
from marketplace.extensions import db
from marketplace.jobs.scheduled import flush_views
from marketplace.shop.cart.wishlist import RECENT_LIMIT, RecentlyViewed
from marketplace.shop.catalog.models import ProductView
from tests.factories import make_listed, make_user
from tests.functional.test_page_cache import (  # noqa: F401  (fixtures)
    DAY,
    PRODUCT_PAGES,
    cached,
    certificate_of,
    honey,
    listing_of,
    page,
    product_pages,
)

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def writes(app):
    """The data-changing statements the database receives while the test runs."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def buyer(client):
    user = make_user("customer")
    db.session.commit()
    client.login_as(user)
    return user


@pytest.fixture
def memoised(app, cached):  # noqa: F811
    """The memo on (with the page cache) and empty."""
    memo.clear()
    yield
    memo.clear()


def storefront_pages(product):
    return [url for url, _offers in product_pages(product)] + ["/search?q=mat", "/account/wishlist",
                                                               "/api/v1/search/suggest?q=mat"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_storefront_get_writes_the_database(app, client, honey, writes, signed_in):  # noqa: F811
    if signed_in:
        client.login_as(make_user("customer"))
        db.session.commit()
    writes.clear()
    for url in storefront_pages(honey):
        if signed_in or not url.startswith("/account/"):
            assert client.get(url, headers={"User-Agent": "Mozilla/5.0"}).status_code == 200, url
    assert writes == []


def test_views_wait_and_a_flush_writes_them_in_one_transaction(client, buyer, honey, writes):  # noqa: F811
    for _visit in range(3):
        client.get(f"/p/{honey.slug}", headers={"User-Agent": "Mozilla/5.0"})
    client.get(f"/p/{honey.slug}", headers={"User-Agent": "Googlebot/2.1"})
    assert writes == []
    assert flush_views() == (1, 3)
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 3
    assert db.session.scalars(select(RecentlyViewed.product_id).where(RecentlyViewed.user_id == buyer.id)).all() == [
        honey.id]
    assert flush_views() == (0, 0)  # taken once


def test_the_web_process_flushes_after_enough_views_once_the_answer_is_sent(app, client, buyer, honey,  # noqa: F811
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "PENDING_FLUSH_EVERY", 4)  # a view and a recently viewed note per page
    client.get(f"/p/{honey.slug}").close()
    assert db.session.scalar(select(func.count()).select_from(ProductView)) == 0
    response = client.get(f"/p/{honey.slug}")
    assert db.session.scalar(select(func.count()).select_from(ProductView)) == 0  # not while answering
    response.close()  # the server is done with the answer: the flush runs in its own transaction
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 2


def test_a_failed_flush_gives_the_views_back(app, client, honey, monkeypatch):  # noqa: F811
    client.get(f"/p/{honey.slug}")
    monkeypatch.setattr("marketplace.jobs.scheduled.wishlist.store_views", _fail)
    with pytest.raises(RuntimeError):
        flush_views()
    monkeypatch.undo()
    assert flush_views() == (1, 0)
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 1


def _fail(_taken):
    raise RuntimeError("database away")


def test_a_flush_writes_each_buyer_s_views_in_three_statements_however_many_views(app, count_queries):
    buyers = [make_user("customer") for _ in range(2)]
    products = [make_listed(f"Sản phẩm {n}") for n in range(12)]
    db.session.commit()
    clock = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    for minute in range(60):  # each buyer goes round the twelve products five times
        for buyer in buyers:
            product = products[(minute + buyers.index(buyer)) % len(products)]
            at = clock + timedelta(minutes=minute)
            pending.note("recently_viewed", f"{buyer.id}:{product.id}:{at.isoformat()}")
    with count_queries() as counted:
        assert flush_views() == (0, 120)
    writes = [s for s in counted.statements if s.lstrip().upper().startswith(WRITES)]
    assert len(writes) == 3 * len(buyers)  # per buyer: delete the products seen again, insert them, trim
    for buyer in buyers:
        kept = db.session.execute(select(RecentlyViewed.product_id, RecentlyViewed.viewed_at)
                                  .where(RecentlyViewed.user_id == buyer.id)
                                  .order_by(RecentlyViewed.viewed_at.desc())).all()
        assert len(kept) == RECENT_LIMIT
        last = [products[(minute + buyers.index(buyer)) % len(products)].id
                for minute in range(59, 59 - RECENT_LIMIT, -1)]
        assert [product_id for product_id, _at in kept] == last
        assert kept[0].viewed_at.replace(tzinfo=UTC) == clock + timedelta(minutes=59)


def test_views_of_a_product_deleted_meanwhile_are_dropped(app, honey):  # noqa: F811
    pending.count("product_views", f"{DAY.isoformat()}:{honey.id + 1000}")
    assert flush_views() == (1, 0)
    assert db.session.scalar(select(func.count()).select_from(ProductView)) == 0


# --- the memo: once per generation, never past a commit or midnight ------------------------------------------

def queries_for(client, count_queries, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count, response


@pytest.mark.parametrize("url", ["/", "/search", "/province/ha-giang", "/api/v1/products"])
def test_same_for_everyone_figures_are_computed_once(client, count_queries, memoised, buyer, honey, url):  # noqa: F811
    url = url.replace("ha-giang", "tuyen-quang")  # honey's province since 1 July 2025 (08)
    first, _ = queries_for(client, count_queries, url)
    second, _ = queries_for(client, count_queries, url)
    assert second < first
    assert second <= 3  # the buyer, the basket count, the memo's nothing


@pytest.mark.parametrize("name", ["home", "listing", "entity", "province", "api list"])
def test_a_revocation_reaches_a_signed_in_buyer_on_the_next_request(client, memoised, buyer, honey, name):  # noqa: F811
    url, offers = page(product_pages(honey), name, PRODUCT_PAGES)
    assert offers(honey, client.get(url)) and offers(honey, client.get(url))
    certificate = certificate_of(honey)
    certificate.status, certificate.revoked_on = "revoked", DAY
    certificate.revocation_reason = "đ) Chủ thể OCOP ngừng sản xuất sản phẩm"
    db.session.commit()
    assert not offers(honey, client.get(url))


@pytest.mark.parametrize("name", ["home", "listing", "province"])
def test_a_price_change_and_a_new_product_reach_a_signed_in_buyer(client, memoised, buyer, honey, name):  # noqa: F811
    url, _offers = page(product_pages(honey), name, PRODUCT_PAGES)
    assert "420.000" in client.get(url).get_data(as_text=True)
    listing_of(honey).price_vnd = 385000
    db.session.commit()
    body = client.get(url).get_data(as_text=True)
    assert "385.000" in body and "420.000" not in body
    make_listed("Mật ong hoa cà phê", stars=5, province_code=honey.province_code,
                criteria_set_code="11")
    db.session.commit()
    assert "Mật ong hoa cà phê" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("name", ["home", "listing", "province", "api list"])
def test_midnight_unlists_for_a_signed_in_buyer_without_any_commit(client, memoised, buyer, honey, frozen_clock,  # noqa: F811
                                                                    name):
    url, offers = page(product_pages(honey), name, PRODUCT_PAGES)
    frozen_clock.set(DAY, time(23, 59, 50))
    assert offers(honey, client.get(url)) and offers(honey, client.get(url))
    frozen_clock.set(DAY + timedelta(days=1), time(0, 0, 5))
    assert not offers(honey, client.get(url))


def test_languages_are_kept_apart(client, memoised, buyer, honey):  # noqa: F811
    vietnamese = client.get("/?lang=vi").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "420.000" in vietnamese and "₫420,000" in english


# --- cheap card links and translations: the same output as the slow way ------------------------------------------

@pytest.mark.parametrize("base_url", ["http://localhost", "http://localhost/shop"])
def test_card_links_are_what_url_for_writes(app, base_url):
    from flask import render_template_string, url_for

    from marketplace.web.storefront import site

    with app.test_request_context("/", base_url=base_url):
        assert site.card_path("che-tan-cuong-1") == url_for("storefront.product", slug="che-tan-cuong-1")
        assert site.picture_path(42) == url_for("storefront.product_picture", product_id=42)
        assert site.province_path("thai-nguyen") == url_for("storefront.province", slug="thai-nguyen")
        name = "0123456789abcdef0123456789abcdef_t.webp"
        assert site.photo_url(name) == url_for("storefront.listing_photo", filename=name)
        assert render_template_string("{{ card_path('a b') }}") == url_for("storefront.product", slug="a b")


def test_templates_follow_force_locale_within_a_request(app):
    from flask import render_template_string
    from flask_babel import force_locale

    from marketplace.core.i18n import long_date, vnd

    with app.test_request_context("/?lang=vi"):
        assert render_template_string("{{ _('Search') }}") == "Tìm kiếm"
        with force_locale("en"):
            assert render_template_string("{{ _('Search') }}") == "Search"
            assert vnd(150000) == "₫150,000" and long_date(DAY) == "November 23, 2026"
        assert render_template_string("{{ _('Search') }}") == "Tìm kiếm"
        assert vnd(150000) == "150.000\xa0₫" and long_date(DAY) == "23 tháng 11, 2026"


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_with_redis_the_views_wait_in_redis_shared_by_every_process(app, client, buyer, honey, writes,  # noqa: F811
                                                                    monkeypatch):
    import redis

    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "PENDING_FLUSH_EVERY", 1000)
    monkeypatch.setattr(pending, "BATCH_EVERY", 2)  # tallies reach Redis two at a time (one round trip)
    pending.clear()
    store = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.get(f"/p/{honey.slug}").close()
    assert store.hgetall(f"{pending.PREFIX}count:product_views") == {}  # gathered in this process so far
    client.get(f"/p/{honey.slug}").close()
    assert store.hgetall(f"{pending.PREFIX}count:product_views") == {f"{DAY.isoformat()}:{honey.id}": "2"}
    assert len(store.lrange(f"{pending.PREFIX}note:recently_viewed", 0, -1)) == 2
    assert writes == []
    assert flush_views() == (1, 2)  # any process (the worker, cron, another app server) may flush
    assert store.exists(f"{pending.PREFIX}count:product_views", f"{pending.PREFIX}note:recently_viewed") == 0
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 2


def test_templates_are_compiled_once_outside_debug_mode(app):
    assert not app.debug and app.jinja_env.auto_reload is False


def test_the_flush_command_for_cron(app, client, honey):  # noqa: F811
    client.get(f"/p/{honey.slug}")
    result = app.test_cli_runner().invoke(args=["jobs", "flush-views"])
    assert result.exit_code == 0 and "product views: 1, recently viewed: 0" in result.output
    assert db.session.scalar(select(ProductView.views).where(ProductView.product_id == honey.id)) == 1


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_with_redis_a_process_starts_a_flush_at_most_once_per_gap(app, client, honey, frozen_clock,  # noqa: F811
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "PENDING_FLUSH_EVERY", 2)
    monkeypatch.setitem(app.config, "PENDING_FLUSH_GAP", 3600)
    monkeypatch.setattr(pending, "BATCH_EVERY", 1)
    pending.clear()
    flushed = []
    monkeypatch.setattr("marketplace.web.storefront.site.scheduled.flush_views", lambda: flushed.append(1))
    for _ in range(8):
        client.get(f"/p/{honey.slug}").close()
    assert flushed == [1]  # the mark was passed on every page after the second: one flush in the gap
    monkeypatch.setitem(app.config, "PENDING_FLUSH_GAP", 0)
    client.get(f"/p/{honey.slug}").close()
    assert flushed == [1, 1]
    pending.clear()
