"""Hostile input is refused with 400/404 and a message in the visitor's language, never a 500 (#11 item 9)."""

import json
from io import BytesIO

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog.models import Listing
from tests.factories import make_listed, make_user

HUGE_IDS = [str(2**31), str(2**63), str(2**64), "9" * 40]


def problem(response):
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def in_english(client):
    """Remember English for this visitor (the refusal is asserted in the language chosen)."""
    client.get("/lang/en")


@pytest.mark.parametrize("path", ["/verify/%00", "/p/%00", "/e/%00", "/province/%00", "/verify/%00/label",
                                  "/verify/ab%01cd/qr.svg", "/search?q=%00", "/search?q=ch%C3%A8%00",
                                  "/search?province=%00", "/province/thai-nguyen?group=%00", "/verify?code=%00",
                                  "/lang/%00", "/media/listings/%00.webp", "/?x%00=1"])
def test_control_characters_in_pages_answer_400(client, path):
    in_english(client)
    response = client.get(path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bad request" in page and "control character" in page


@pytest.mark.parametrize("path", ["/api/v1/certificates/%00", "/api/v1/certificates?number=%00",
                                  "/api/v1/products?q=%00", "/api/v1/search/suggest?q=a%1Fb",
                                  "/api/v1/products?province=%00&group=%00"])
def test_control_characters_in_the_api_answer_problem_json(client, path):
    in_english(client)
    response = client.get(path)
    assert response.status_code == 400
    body = problem(response)
    assert body["status"] == 400 and "control character" in body["detail"]


def test_the_refusal_speaks_vietnamese_by_default(client):
    page = client.get("/p/%00").get_data(as_text=True)
    assert "Yêu cầu không hợp lệ" in page and "ký tự điều khiển" in page
    assert "ký tự điều khiển" in problem(client.get("/api/v1/certificates?number=%00"))["detail"]
    assert "ký tự điều khiển" in problem(client.get("/api/v1/certificates/%00"))["detail"]


def test_tab_and_newlines_are_ordinary_text(client, frozen_clock):
    make_listed("Chè Đinh Tân Cương")
    db.session.commit()
    assert client.get("/search?q=ch%C3%A8%09%C4%91inh%0D%0A").status_code == 200
    assert client.get("/api/v1/products?q=che%0Adinh").get_json()["total"] == 1


def test_control_characters_in_form_fields_answer_400(client):
    in_english(client)
    token = client.csrf_token()
    form = {"csrf_token": token, "name": "Nguyễn\x00Văn", "email": "a@test.example",
            "password": "mật khẩu rất dài 2026", "confirm": "mật khẩu rất dài 2026"}
    response = client.post("/register", data=form)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": token, "email": "a@test.example\x07", "password": "x"})
    assert response.status_code == 400


def test_control_characters_in_an_address_answer_400(client, frozen_clock):
    product = make_listed("Mật ong bạc hà")
    user = make_user("customer")
    db.session.commit()
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
    client.login_as(user)
    in_english(client)
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    response = client.post_form("/checkout", {"name": "An", "email": user.email, "phone": "0912345678",
                                              "province": "19", "ward": "Phường\x00 1", "address": "1 Lê Lợi",
                                              "payment_method": "cod"})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_control_characters_in_a_json_body_answer_400(client):
    in_english(client)
    body = json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": "a\u0000"}}})
    response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                           headers={"Stripe-Signature": "t=1,v1=0"})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_control_characters_in_an_uploaded_file_name_answer_400(client, app):
    officer = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(officer)
    response = client.post_form("/officer/registry/upload",
                                {"file": (BytesIO(b"certificate_number\n"), "so\x00.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 400


def test_two_invalid_filters_are_reported_together(client, catalogue):
    in_english(client)
    page = client.get("/search?province=atlantis&group=99&sort=cheapest")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "“atlantis” is not a province" in text and "“99” is not a criteria-set" in text and "cheapest" in text
    assert "Tiêu sọ Phú Quốc" in text  # what could be understood (nothing) still browses the catalogue
    province = client.get("/province/thai-nguyen?group=99&min_stars=9&price_min=abc")
    assert province.status_code == 200
    text = province.get_data(as_text=True)
    assert "Chè Đinh Tân Cương" in text and "min_stars: must be a whole number from 1 to 5" in text
    assert "price_min: “abc” is not a whole number" in text
    response = client.get("/api/v1/products?province=atlantis&group=99")
    assert response.status_code == 400
    body = problem(response)
    assert "province: “atlantis” is not a province" in body["detail"] and "group: “99”" in body["detail"]


def test_filter_problems_speak_vietnamese_by_default(client, catalogue):
    assert "không phải số nguyên" in client.get("/search?min_stars=abc").get_data(as_text=True)
    detail = problem(client.get("/api/v1/products?province=atlantis&group=99"))["detail"]
    assert "“atlantis” không phải" in detail and "“99” không phải" in detail


@pytest.mark.parametrize("value", [*HUGE_IDS, "-1", "abc", "1e9", "١٢"])
def test_ids_out_of_range_in_cart_forms_answer_400_or_404(client, frozen_clock, value):
    product = make_listed("Cà phê Cầu Đất")
    db.session.commit()
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
    for data in ({"listing_id": value, "quantity": 1}, {"listing_id": listing_id, "variant_id": value},
                 {"listing_id": listing_id, "quantity": value}):
        response = client.post_form("/cart/add", data)
        assert response.status_code in (302, 400, 404), (data, response.status_code)
        if response.status_code != 302:
            assert "<html" in response.get_data(as_text=True)
    assert client.post_form(f"/cart/lines/{value}", {"quantity": 1}).status_code in (400, 404)
    assert client.post_form("/cart/lines/1", {"quantity": value}).status_code in (302, 400, 404)


def test_a_huge_quantity_is_capped_not_stored(client, frozen_clock):
    product = make_listed("Cà phê Cầu Đất", stock=7)
    db.session.commit()
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
    assert client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 2**63}).status_code == 400
    assert client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 50}).status_code == 302
    line = db.session.scalar(select(CartLine))
    assert line.quantity == 7
    assert client.post_form(f"/cart/lines/{line.id}", {"quantity": str(2**64)}).status_code == 400
    db.session.refresh(line)
    assert line.quantity == 7


@pytest.mark.parametrize("value", HUGE_IDS)
def test_huge_ids_in_paths_answer_404(client, value):
    for path in (f"/api/v1/products/{value}", f"/media/products/{value}.svg", f"/cart/lines/{value}"):
        response = client.get(path) if not path.startswith("/cart") else client.post_form(path, {"quantity": 1})
        assert response.status_code == 404, path
    assert problem(client.get(f"/api/v1/products/{value}"))["status"] == 404
