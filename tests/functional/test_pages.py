"""Storefront pages: Vietnamese by default, English on request, the rule visible in plain words."""

from datetime import date

import pytest

from marketplace.extensions import db
from tests.factories import make_certificate, make_listing, make_product


def text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_home_is_vietnamese_by_default_and_lists_five_star_products(client, catalogue):
    page = text(client.get("/"))
    assert '<html lang="vi">' in page
    assert "Sản phẩm 5 sao cấp quốc gia" in page
    assert "Chè Đinh Tân Cương" in page
    assert "350.000\xa0₫" in page
    assert "Mắm tôm hết hạn" not in page


def test_language_switch_remembers_english_and_formats_money_the_english_way(client, catalogue):
    response = client.get("/lang/en?next=/search")
    assert response.status_code == 302 and response.headers["Location"] == "/search"
    page = text(client.get("/search"))
    assert '<html lang="en">' in page and "All certified products" in page
    assert "₫350,000" in page
    assert '<html lang="vi">' in text(client.get("/search?lang=vi"))


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    assert client.get("/lang/fr").status_code == 404


def test_search_page_filters_facets_and_empty_state(client, catalogue):
    page = text(client.get("/search?q=nuoc+mam"))
    assert "<mark>Nước</mark> <mark>mắm</mark> Phú Quốc 40 độ đạm" in page and "Chè Đinh Tân Cương" not in page
    page = text(client.get("/search?province=thai-nguyen"))
    assert "Trà tôm nõn hương quê" in page and "Nước mắm" not in page.split("results")[-1]
    empty = text(client.get("/search?q=xyzzy"))
    assert "Không có sản phẩm" in empty
    notice = text(client.get("/search?province=atlantis"))
    assert "atlantis" in notice and "Chè Đinh Tân Cương" in notice


def test_product_page_shows_certificate_and_verification_link(client, catalogue):
    product = catalogue["che"]
    page = text(client.get(f"/p/{product.slug}"))
    assert "Chè Đinh Tân Cương" in page and "HTX Chè Hảo Đạt" in page
    assert "/verify/" in page and "Còn hàng" in page


@pytest.mark.parametrize(("setup", "sentence"), [
    ("expired", "Giấy chứng nhận OCOP của sản phẩm đã hết hạn ngày 1 tháng 1, 2025"),
    ("revoked", "vi phạm an toàn thực phẩm"),
    ("unpublished", "Người bán chưa đăng bán sản phẩm này."),
])
def test_unlisted_product_keeps_its_page_says_why_and_offers_no_purchase(client, frozen_clock, setup, sentence):
    product = make_product("Mắm cáy Thái Thụy")
    if setup == "expired":
        make_certificate(product, valid_from=date(2022, 1, 1))
    elif setup == "revoked":
        make_certificate(product, valid_from=date(2025, 1, 1), status="revoked", revoked_on=date(2026, 5, 2),
                         revocation_reason="c) vi phạm an toàn thực phẩm")
    else:
        make_certificate(product, valid_from=date(2025, 1, 1))
    make_listing(product, published=setup != "unpublished")
    db.session.commit()
    page = text(client.get(f"/p/{product.slug}"))
    assert sentence in page
    assert "not-sold" in page and "buy-note" not in page and "Còn hàng" not in page


def test_verify_page_states_and_unknown_code(client, catalogue):
    listed = client.get("/api/v1/products?q=tan+cuong").get_json()["items"][0]
    page = text(client.get(f"/verify/{listed['certificate']['code']}"))
    assert "Còn hiệu lực" in page and "Chè Đinh Tân Cương" in page
    unknown = client.get("/verify/ZZZZ9999")
    assert unknown.status_code == 404
    assert "ZZZZ9999" in unknown.get_data(as_text=True)


def test_entity_and_province_pages_and_legacy_redirect(client, catalogue):
    slug = client.get(f"/api/v1/products/{catalogue['che'].id}").get_json()["entity"]["slug"]
    entity_page = text(client.get(f"/e/{slug}"))
    assert "HTX Chè Hảo Đạt" in entity_page and "Trà tôm nõn hương quê" in entity_page
    assert "Nước mắm" not in entity_page
    assert client.get("/e/khong-co").status_code == 404
    response = client.get("/province/bac-kan")
    assert response.status_code == 301 and response.headers["Location"].endswith("/province/thai-nguyen")
    page = text(client.get("/province/thai-nguyen"))
    assert "Bắc Kạn" in page and "Chè Đinh Tân Cương" in page
    assert client.get("/province/atlantis").status_code == 404


def test_product_picture_is_generated_svg(client, catalogue):
    response = client.get(f"/media/products/{catalogue['che'].id}.svg")
    assert response.mimetype == "image/svg+xml"
    assert "CĐ" in response.get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/p/khong-ton-tai")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
