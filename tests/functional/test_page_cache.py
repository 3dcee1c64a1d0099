"""The page cache: anonymous visitors get stored pages, and never a product the last commit or midnight unlisted.

Every cached page is warmed (its second request must come from the cache: no query), the catalogue is changed and
committed (or the clock moved past midnight in Vietnam), and the very next request must show the change. Runs on
both search backends (``TEST_SEARCH_BACKEND=postgres`` with ``TEST_DATABASE_URL``).
"""

import re
from datetime import date, time, timedelta

import pytest
from flask import session, template_rendered
from sqlalchemy import select

from marketplace.core import generation, pagecache
from marketplace.core.db import compare_and_set_status
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Certificate, Entity
from marketplace.shop.catalog.models import Listing, ListingImage
from marketplace.web.storefront import jsonld as storefront_jsonld
from tests.factories import make_certificate, make_entity, make_listed, make_user
from tests.functional.test_listing_images import (  # noqa: F401 - fixtures
    encoded,
    media,
    shop,
    stored,
    two_colour,
    upload,
    vendor_client,
)

DAY = date(2026, 11, 23)  #: the frozen clock's day


@pytest.fixture
def cached(app):
    """The page cache on (the suite runs with it off), empty."""
    app.config["PAGE_CACHE"] = "on"
    pagecache.clear()
    yield pagecache.cache
    app.config["PAGE_CACHE"] = "off"


@pytest.fixture
def renders(app):
    """Names of the templates rendered (a page served from the cache renders none)."""
    seen = []

    def record(_sender, template, **_extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


@pytest.fixture
def honey(frozen_clock):
    """A listed 5-star product (on the home page's highlights) of its own entity, certificate valid until today."""
    entity = make_entity("HTX Ong Mật Mèo Vạc", province_code="08")
    product = make_listed("Mật ong bạc hà Mèo Vạc", stars=5, price_vnd=420000, entity=entity, criteria_set_code="11")
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    certificate.valid_until = DAY  # valid today, expired from tomorrow
    db.session.commit()
    return product


def certificate_of(product):
    return db.session.scalar(select(Certificate).where(Certificate.product_id == product.id,
                                                       Certificate.superseded_by_id.is_(None)))


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


# --- what each cached page says about the product ------------------------------------------------------------

def _lists(product, response):
    return f'href="/p/{product.slug}"' in response.get_data(as_text=True)


def _json_lists(product, response):
    return product.id in [item["id"] for item in response.get_json()["items"]]


def _product_page_sells(_product, response):
    return 'class="buy-form"' in response.get_data(as_text=True)


def _api_detail_lists(_product, response):
    return response.get_json()["listed"]


def _verify_says_valid(response):
    return "status-valid" in response.get_data(as_text=True)


def _api_record_valid(response):
    return response.get_json()["status"] == "valid"


def _dataset_says_valid(code):
    def says(response):
        return [item["status"] for item in response.get_json()["items"] if item["code"] == code] == ["valid"]
    return says


def product_pages(product):
    """(url, does the page offer the product?) for every cached page that lists or sells products."""
    entity = db.session.get(Entity, product.entity_id)
    province = provinces()[product.province_code].slug
    return [("/", _lists), ("/search", _lists), ("/search?q=bac+ha", _lists), (f"/e/{entity.slug}", _lists),
            (f"/province/{province}", _lists), (f"/p/{product.slug}", _product_page_sells),
            ("/api/v1/products", _json_lists), ("/api/v1/products?q=bac+ha", _json_lists),
            (f"/api/v1/products/{product.id}", _api_detail_lists)]


def certificate_pages(product):
    """(url, does the page say the certificate is valid?) for every cached page about its current certificate."""
    certificate = certificate_of(product)
    return [(f"/verify/{certificate.code}", _verify_says_valid),
            (f"/api/v1/certificates/{certificate.code}", _api_record_valid),
            (f"/api/v1/certificates?number={certificate.number}", _api_record_valid),
            ("/api/v1/certificates", _dataset_says_valid(certificate.code))]


def each_page(product):
    """(url, offers(response)) of every cached page about the product and its certificate."""
    pages = [(url, lambda response, check=check: check(product, response)) for url, check in product_pages(product)]
    return pages + certificate_pages(product)


PRODUCT_PAGES = ["home", "listing", "results", "entity", "province", "product", "api list", "api results",
                 "api product"]
CERTIFICATE_PAGES = ["verify", "api code", "api number", "api dataset"]


def page(pages, name, names):
    return pages[names.index(name)]


def warm(client, count_queries, url):
    """Request ``url`` twice; the second answer must come from the cache (no query at all). Returns it."""
    first = client.get(url)
    assert first.status_code == 200, url
    with count_queries() as counter:
        second = client.get(url)
    assert second.status_code == 200
    assert second.headers["X-Page-Cache"] == "hit", url
    assert counter.count == 0, f"{url} was served from the cache after queries: {counter.statements}"
    assert second.get_data() == first.get_data()
    return second


# --- correctness: the next request after the commit (or midnight) ----------------------------------------------

@pytest.mark.parametrize("name", PRODUCT_PAGES + CERTIFICATE_PAGES)
def test_a_revocation_shows_on_the_next_request(client, cached, count_queries, honey, name):
    url, offers = page(each_page(honey), name, PRODUCT_PAGES + CERTIFICATE_PAGES)
    assert offers(warm(client, count_queries, url))
    certificate = certificate_of(honey)
    certificate.status, certificate.revoked_on = "revoked", DAY
    certificate.revocation_reason = "đ) Chủ thể OCOP ngừng sản xuất sản phẩm"
    db.session.commit()
    assert not offers(client.get(url))


@pytest.mark.parametrize("name", PRODUCT_PAGES + CERTIFICATE_PAGES)
def test_midnight_unlists_an_expired_certificate_without_any_commit(client, cached, count_queries, honey,
                                                                     frozen_clock, name):
    url, offers = page(each_page(honey), name, PRODUCT_PAGES + CERTIFICATE_PAGES)
    frozen_clock.set(DAY, time(23, 59, 50))
    assert offers(warm(client, count_queries, url))
    before = generation.current()
    frozen_clock.set(DAY + timedelta(days=1), time(0, 0, 5))
    assert not offers(client.get(url))
    assert generation.current() == before  # no commit: the date in the key did it


@pytest.mark.parametrize("name", PRODUCT_PAGES)
def test_an_unpublished_listing_leaves_on_the_next_request(client, cached, count_queries, honey, name):
    url, offers = page(each_page(honey), name, PRODUCT_PAGES + CERTIFICATE_PAGES)
    assert offers(warm(client, count_queries, url))
    listing_of(honey).published = False
    db.session.commit()
    assert not offers(client.get(url))


@pytest.mark.parametrize("name", CERTIFICATE_PAGES)
def test_a_superseded_certificate_says_so_on_the_next_request(client, cached, count_queries, honey, name):
    url, says_valid = page(certificate_pages(honey), name, CERTIFICATE_PAGES)
    assert says_valid(warm(client, count_queries, url))
    make_certificate(honey, stars=5, valid_from=DAY - timedelta(days=1))  # takes over from yesterday
    db.session.commit()
    assert not says_valid(client.get(url))


PRICED = ["home", "listing", "results", "entity", "province", "product", "api list", "api product"]


@pytest.mark.parametrize("name", PRICED)
def test_a_price_change_shows_on_the_next_request(client, cached, count_queries, honey, name):
    url, _offers = page(each_page(honey), name, PRODUCT_PAGES + CERTIFICATE_PAGES)
    body = warm(client, count_queries, url).get_data(as_text=True)
    assert ("420.000" in body or "420000" in body) and "385.000" not in body and "385000" not in body
    listing_of(honey).price_vnd = 385000
    db.session.commit()
    body = client.get(url).get_data(as_text=True)
    assert ("385.000" in body or "385000" in body) and "420.000" not in body and "420000" not in body


def test_every_cached_page_is_served_without_rendering_or_queries(client, cached, count_queries, renders, honey):
    for url, _offers in each_page(honey) + [("/policies/returns", None),
                                                                          ("/api/v1/provinces", None),
                                                                          ("/api/v1/groups", None)]:
        warm(client, count_queries, url)
        renders.clear()
        client.get(url)
        assert renders == [], url


def test_a_rolled_back_change_keeps_the_generation(cached, honey):
    before = generation.current()
    listing_of(honey).price_vnd = 1000
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert generation.current() == before
    listing_of(honey).price_vnd = 1000
    db.session.commit()
    assert generation.current() == before + 1


def test_a_savepoint_rolled_back_keeps_the_outer_change(cached, honey):
    before = generation.current()
    listing_of(honey).price_vnd = 1000
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        make_entity("HTX Bỏ đi")
        savepoint.rollback()
    db.session.commit()
    assert generation.current() == before + 1


# --- who is served from the cache ---------------------------------------------------------------------------

def test_a_signed_in_buyer_is_never_served_a_stored_page(client, cached, count_queries, honey):
    url = f"/p/{honey.slug}"
    warm(client, count_queries, url)
    buyer = make_user("customer", name="Chị Lan")
    db.session.commit()
    client.login_as(buyer)
    response = client.get(url)
    assert response.headers["X-Page-Cache"] == "personal"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert "My account" in response.get_data(as_text=True) or "Tài khoản" in response.get_data(as_text=True)


def test_a_page_rendered_for_a_signed_in_buyer_is_not_stored(app, client, cached, renders, honey):
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    client.get("/")
    renders.clear()
    app.test_client().get("/")
    assert "shop/home.html" in renders  # rendered again for the visitor: nothing had been stored


def test_a_visitor_with_a_basket_is_served_fresh_pages_with_the_count(client, cached, count_queries, honey):
    warm(client, count_queries, "/")
    listing = listing_of(honey)
    client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1})
    response = client.get("/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'class="basket-count" aria-hidden="true">1<' in response.get_data(as_text=True)


def test_an_answer_that_sets_a_cookie_is_not_stored(app, cached, renders, honey):
    first = app.test_client().get("/search?lang=en")  # an explicit language: the answer sets the lang cookie
    assert "lang=en" in first.headers.get("Set-Cookie", "")
    assert first.headers["Cache-Control"] == "private, no-store"
    renders.clear()
    app.test_client().get("/search?lang=en")
    assert "shop/search.html" in renders


def test_a_visitor_with_a_flash_gets_it_on_a_fresh_page(client, cached, count_queries, honey):
    warm(client, count_queries, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Đã lưu thay đổi của bạn")]
    response = client.get("/")
    assert "Đã lưu thay đổi của bạn" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Đã lưu thay đổi của bạn" not in client.get("/").get_data(as_text=True)


def test_an_api_client_with_a_token_is_not_served_from_the_cache(client, cached, count_queries, honey):
    warm(client, count_queries, "/api/v1/products")
    response = client.get("/api/v1/products", headers={"Authorization": "Bearer whatever"})
    assert response.headers["X-Page-Cache"] == "personal"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_languages_are_stored_apart(app, cached, honey):
    english = app.test_client()
    english.set_cookie("lang", "en")
    vietnamese = app.test_client()
    vietnamese.set_cookie("lang", "vi")
    for _round in range(2):
        assert "Search" in english.get("/search").get_data(as_text=True)
        assert "Tìm kiếm" in vietnamese.get("/search").get_data(as_text=True)


def test_page_cache_off_renders_every_time(app, client, renders, honey):
    assert app.config["PAGE_CACHE"] == "off"
    client.get("/")
    renders.clear()
    response = client.get("/")
    assert renders and "ETag" not in response.headers and "public" not in response.headers.get("Cache-Control", "")


def test_a_stored_product_page_still_counts_a_signed_in_buyer_s_recently_viewed(app, client, cached, count_queries,
                                                                                honey):
    warm(app.test_client(), count_queries, f"/p/{honey.slug}")
    client.login_as(make_user("customer"))
    client.get(f"/p/{honey.slug}")
    with client.session_transaction() as session:
        assert session["recently_viewed"] == [honey.id]


# --- per-visitor bits: a cached page carries none -----------------------------------------------------------

def test_a_cached_page_carries_no_csrf_token_and_the_bits_endpoint_gives_one(client, cached, count_queries, honey):
    body = warm(client, count_queries, f"/p/{honey.slug}").get_data(as_text=True)
    assert '<meta name="csrf-token" content="">' in body
    assert re.search(r'name="csrf_token" value=""', body)
    assert "js/session-bits.js" in body
    bits = client.get("/session/bits")
    assert bits.headers["Cache-Control"] == "private, no-store"
    data = bits.get_json()
    assert data["signed_in"] is False and data["cart_count"] == 0 and data["csrf_token"]
    added = client.post("/cart/add", data={"csrf_token": data["csrf_token"], "listing_id": listing_of(honey).id,
                                           "quantity": "2"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/cart")
    assert client.get("/session/bits").get_json()["cart_count"] == 2


def test_the_bits_of_a_signed_in_buyer(client, honey):
    buyer = make_user("customer", name="Chị Lan")
    db.session.commit()
    client.login_as(buyer)
    data = client.get("/session/bits").get_json()
    assert data["signed_in"] is True and data["name"] == "Chị Lan" and data["account_url"] == "/account"


def test_adding_without_javascript_asks_to_confirm_then_adds(client, cached, honey):
    listing = listing_of(honey)
    refused = client.post("/cart/add", data={"listing_id": listing.id, "quantity": "1", "buy_now": "1"})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    assert f'name="listing_id" value="{listing.id}"' in body and 'name="buy_now" value="1"' in body
    confirmed = client.post("/cart/add", data={"csrf_token": token, "listing_id": listing.id, "quantity": "1",
                                               "buy_now": "1"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/checkout")


def test_a_confirmation_of_nonsense_is_a_plain_400(client, cached):
    assert client.post("/cart/add", data={"listing_id": "abc"}).status_code == 400


# --- HTTP caching ---------------------------------------------------------------------------------------------

def test_etag_answers_304_until_the_catalogue_changes(client, cached, count_queries, honey):
    url = f"/p/{honey.slug}"
    etag = warm(client, count_queries, url).headers["ETag"]
    with count_queries() as counter:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and counter.count == 0
    listing_of(honey).price_vnd = 390000
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_cache_control_lets_a_proxy_keep_a_page_briefly(app, cached, honey):
    response = app.test_client().get("/search", headers={"User-Agent": "Googlebot"})
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=30, stale-while-revalidate=30"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_cache_control_never_reaches_past_midnight(app, cached, honey, frozen_clock):
    frozen_clock.set(DAY, time(23, 59, 40))
    response = app.test_client().get("/api/v1/products")
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=20, stale-while-revalidate=0"
    frozen_clock.set(DAY, time(23, 59, 0))
    response = app.test_client().get("/api/v1/products")
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=30, stale-while-revalidate=30"


def test_an_answer_setting_the_session_cookie_is_private(app, client, cached, honey):
    def write_session(_sender, **_extra):
        session["wal"] = "0/1"  # a harmless key (the replica's position) written while the page is rendered

    template_rendered.connect(write_session, app)
    try:
        response = client.get(f"/p/{honey.slug}")
    finally:
        template_rendered.disconnect(write_session, app)
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]


def test_static_files_carry_their_fingerprint_and_are_kept_a_year(client, cached, honey):
    body = client.get("/").get_data(as_text=True)
    version = re.search(r'/static/css/site\.css\?v=([0-9a-f]{12})"', body).group(1)
    for url, expected in [(f"/static/css/site.css?v={version}", "public, max-age=31536000, immutable"),
                          ("/static/css/site.css", "public, max-age=300"),
                          ("/static/css/site.css?v=000000000000", "public, max-age=300")]:
        response = client.get(url)
        response.close()
        assert response.status_code == 200 and response.headers["Cache-Control"] == expected, url
    assert re.search(r'/static/js/session-bits\.js\?v=[0-9a-f]{12}"', body)


def test_a_photo_made_ready_by_the_photo_job_shows_on_the_next_request(  # noqa: F811 - the photo tests' fixtures
        app, cached, count_queries, media, shop, vendor_client):  # noqa: F811
    visitor = app.test_client()
    url = f"/p/{shop['product'].slug}"
    assert "/media/listings/" not in warm(visitor, count_queries, url).get_data(as_text=True)
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (photo,) = stored(shop["listing_id"])
    assert photo.status == "ready"
    assert f"/media/listings/{photo.filename}" in visitor.get(url).get_data(as_text=True)


def test_a_status_moved_by_a_conditional_update_moves_the_generation(client, cached, count_queries, honey):
    listing = listing_of(honey)
    photo = ListingImage(listing_id=listing.id, position=0, filename=f"{'a' * 32}.webp",
                         thumbnail=f"{'a' * 32}_t.webp", width=400, height=300, status="processing")
    db.session.add(photo)
    db.session.commit()
    url = f"/p/{honey.slug}"
    assert photo.filename not in warm(client, count_queries, url).get_data(as_text=True)
    assert compare_and_set_status(photo, "processing", "ready")  # what the photo job does: no ORM change at all
    db.session.commit()
    assert photo.filename in client.get(url).get_data(as_text=True)


def test_a_stored_answer_keeps_no_rate_limit_or_cookie_headers(app, cached, honey):
    app.test_client().get("/api/v1/products")
    hit = app.test_client().get("/api/v1/products")
    assert hit.headers["X-Page-Cache"] == "hit"
    assert hit.headers.getlist("X-RateLimit-Remaining") == [hit.headers.get("X-RateLimit-Remaining")]
    assert len(hit.headers.getlist("Retry-After")) <= 1 and "Set-Cookie" not in hit.headers


# --- a signed-in buyer's product page: fresh, with the same-for-everyone blocks kept per generation ----------

def _signed_in(client):
    buyer = make_user("customer", name="Chị Lan")
    db.session.commit()
    client.login_as(buyer)
    return buyer


def _certificate_box(body):
    return body[body.index('class="certificate-box'):body.index("</section>", body.index('class="certificate-box'))]


def _kept_blocks(app):
    """(generation, block name) of the product blocks kept by core/memo."""
    return {(key[0], key[3][1]) for key in app.extensions.get("memo", {}) if key[3][0] == "block"}


def test_a_signed_in_buyer_s_product_page_keeps_its_shared_blocks_until_the_catalogue_changes(
        app, client, cached, renders, honey, monkeypatch):
    _signed_in(client)
    url = f"/p/{honey.slug}"
    first = client.get(url).get_data(as_text=True)
    kept = _kept_blocks(app)
    assert {name for _number, name in kept} == {"product-head", "product-crumbs", "product-title",
                                                  "product-certificate", "product-share", "product-details"}
    built = []
    monkeypatch.setattr(storefront_jsonld, "product_core", lambda *args, real=storefront_jsonld.product_core:
                        built.append(args) or real(*args))
    renders.clear()
    second = client.get(url).get_data(as_text=True)
    assert renders == ["shop/product.html"] and not built  # the page is rendered, its kept blocks are not
    assert _kept_blocks(app) == kept and second.replace(_token(second), "") == first.replace(_token(first), "")
    listing_of(honey).description_vi = "Mật ong hoa bạc hà, vụ mới"
    db.session.commit()
    third = client.get(url).get_data(as_text=True)
    assert built and "vụ mới" in third and "vụ mới" not in second
    assert len(_kept_blocks(app)) == 2 * len(kept)  # the same blocks again, under the new generation


def _token(body):
    return re.search(r'name="csrf-token" content="([^"]+)"', body).group(1)


def test_a_kept_product_block_spares_the_statements_only_it_needs(client, cached, honey, count_queries):
    """The product's rows are read only to render its facts and kept blocks: not while they are kept."""
    from marketplace.channels.models import ProductChannel, SalesChannel

    channel = SalesChannel(name="Shopee Mall", kind="ecommerce")
    db.session.add(channel)
    db.session.flush()
    db.session.add(ProductChannel(product_id=honey.id, channel_id=channel.id, url="https://shopee.vn/mat-ong"))
    db.session.commit()
    _signed_in(client)
    url = f"/p/{honey.slug}"
    with count_queries() as first:
        assert "https://shopee.vn/mat-ong" in client.get(url).get_data(as_text=True)
    with count_queries() as second:
        assert "https://shopee.vn/mat-ong" in client.get(url).get_data(as_text=True)
    reads_channels = [statement for statement in first.statements if "FROM product_channel" in statement]
    assert reads_channels and first.count - second.count == len(reads_channels) + 4
    product_rows = ("FROM product_channel", "FROM product JOIN entity", "FROM certificate", "FROM listing_image",
                    "FROM listing_variant")
    assert all(any(table in statement for statement in first.statements) for table in product_rows)
    assert not [statement for statement in second.statements if any(table in statement for table in product_rows)]
    assert second.count == 4  # the buyer, the basket count, the wishlist heart, the units delivered


@pytest.mark.parametrize("change", ["revoke", "price", "unpublish", "supersede"])
def test_a_signed_in_buyer_sees_a_change_on_the_next_request(client, cached, honey, change):
    _signed_in(client)
    url = f"/p/{honey.slug}"
    before = client.get(url).get_data(as_text=True)
    assert 'class="buy-form"' in before and "certificate-lapsed" not in before and "420.000" in before
    certificate, listing = certificate_of(honey), listing_of(honey)
    if change == "revoke":
        certificate.status, certificate.revoked_on = "revoked", DAY
        certificate.revocation_reason = "đ) Chủ thể OCOP ngừng sản xuất sản phẩm"
    elif change == "price":
        listing.price_vnd = 385000
    elif change == "unpublish":
        listing.published = False
    else:
        newer = make_certificate(honey, stars=5, valid_from=DAY - timedelta(days=1))
    db.session.commit()
    after = client.get(url).get_data(as_text=True)
    if change == "price":
        assert "385.000" in after and "420.000" not in after
    elif change == "supersede":
        assert newer.code in _certificate_box(after) and certificate.code in _certificate_box(before)
    else:
        assert 'class="buy-form"' not in after and 'class="not-sold"' in after
        assert ("certificate-lapsed" in _certificate_box(after)) == (change == "revoke")


def test_a_kept_block_is_gone_at_midnight(client, cached, honey, frozen_clock):
    _signed_in(client)
    frozen_clock.set(DAY, time(23, 59, 50))
    assert 'class="buy-form"' in client.get(f"/p/{honey.slug}").get_data(as_text=True)
    frozen_clock.set(DAY + timedelta(days=1), time(0, 0, 5))
    body = client.get(f"/p/{honey.slug}").get_data(as_text=True)
    assert 'class="buy-form"' not in body and "certificate-lapsed" in body


def test_kept_blocks_carry_nothing_of_the_visitor_who_rendered_them(app, client, cached, honey):
    first = _signed_in(client)
    client.post_form(f"/account/wishlist/{honey.id}", {"next": f"/p/{honey.slug}"})
    mine = client.get(f"/p/{honey.slug}").get_data(as_text=True)
    assert 'aria-pressed="true"' in mine
    other = app.test_client()
    other.login_as(make_user("customer", name="Anh Minh"))
    db.session.commit()
    theirs = other.get(f"/p/{honey.slug}").get_data(as_text=True)
    assert 'aria-pressed="false"' in theirs and first.email not in theirs
    token = re.search(r'name="csrf_token" value="([^"]+)"', theirs).group(1)
    assert token and token not in mine  # the forms carry this visitor's own token


# --- a signed-in buyer's listing and search results: searched every time, the results' HTML kept per generation --

def _browse_blocks(app):
    return [key for key in app.extensions.get("memo", {}) if key[3][:2] == ("block", "browse")]


@pytest.mark.parametrize("url", ["/search", "/search?q=mat+ong", "/search?q=mat+ong&sort=price_asc&min_stars=5",
                                 "entity", "province"])
def test_a_signed_in_buyer_s_results_are_kept_until_the_catalogue_changes(app, client, cached, honey, url):
    if url == "entity":
        url = f"/e/{db.session.get(Entity, honey.entity_id).slug}"
    elif url == "province":
        url = f"/province/{provinces()[honey.province_code].slug}"
    _signed_in(client)
    first = client.get(url).get_data(as_text=True)
    assert "420.000" in first and len(_browse_blocks(app)) == 1
    second = client.get(url).get_data(as_text=True)
    assert len(_browse_blocks(app)) == 1 and second.replace(_token(second), "") == first.replace(_token(first), "")
    listing_of(honey).price_vnd = 385000
    db.session.commit()
    third = client.get(url).get_data(as_text=True)
    assert "385.000" in third and "420.000" not in third and len(_browse_blocks(app)) == 2


def test_each_address_keeps_its_own_results(app, client, cached, honey):
    _signed_in(client)
    make_listed("Chè Shan tuyết Hà Giang", stars=4, price_vnd=150000, province_code="08")
    db.session.commit()
    cheap_first = client.get("/search?sort=price_asc").get_data(as_text=True)
    dear_first = client.get("/search?sort=price_desc").get_data(as_text=True)
    assert cheap_first.index("Chè Shan") < cheap_first.index("Mật ong bạc hà")
    assert dear_first.index("Mật ong bạc hà") < dear_first.index("Chè Shan")
    assert len(_browse_blocks(app)) == 2


def test_a_block_drawn_from_a_replica_s_answer_is_not_kept(app, cached, honey):
    from marketplace.web.templating import kept_block

    with app.test_request_context("/search"):
        db.session.info["replica"] = True
        assert kept_block("browse", "x", caller=lambda: "stale") == "stale"
        assert kept_block("browse", "x", caller=lambda: "fresh") == "fresh"
        db.session.info["replica"] = False
        assert kept_block("browse", "x", caller=lambda: "primary") == "primary"
        assert kept_block("browse", "x", caller=lambda: "again") == "primary"
