"""The header's basket count, the typed verification code, the trust footer and the policy pages."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing
from tests.factories import make_user


def page_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def listing_id(product):
    return db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))


def test_no_count_without_a_basket_then_the_units_in_it(client, catalogue):
    assert 'class="basket-count"' not in page_of(client.get("/"))
    client.post_form("/cart/add", {"listing_id": listing_id(catalogue["che"]), "quantity": 2})
    client.post_form("/cart/add", {"listing_id": listing_id(catalogue["mam"]), "quantity": 1})
    page = page_of(client.get("/search"))
    assert '<span class="basket-count" aria-hidden="true">3</span>' in page
    assert "(3 sản phẩm)" in page


def test_a_signed_in_buyers_basket_is_counted(client, catalogue):
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing_id(catalogue["tra"]), "quantity": 4})
    assert '<span class="basket-count" aria-hidden="true">4</span>' in page_of(client.get("/"))


def test_the_count_costs_one_query_and_none_for_a_visitor_without_a_basket(client, catalogue, count_queries):
    def queries(url):
        with count_queries() as counter:
            client.get(url)
        return [s for s in counter.statements if "sum(cart_line.quantity)" in s]

    assert queries("/policies/returns") == []
    client.post_form("/cart/add", {"listing_id": listing_id(catalogue["che"]), "quantity": 1})
    assert len(queries("/policies/returns")) == 1


def test_a_code_typed_in_the_footer_opens_its_verification_page(client, catalogue):
    code = db.session.scalar(select(Certificate.code).where(Certificate.product_id == catalogue["che"].id))
    home = page_of(client.get("/"))
    assert 'action="/verify"' in home and 'name="code"' in home
    response = client.get("/verify", query_string={"code": f" {code.lower()} "})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{code}"
    assert "Còn hiệu lực" in page_of(client.get(response.headers["Location"]))


def test_verify_without_a_code_shows_the_form(client):
    page = page_of(client.get("/verify"))
    assert "<h1>Xác minh giấy chứng nhận</h1>" in page and 'id="verify-code"' in page


def test_footer_names_the_operator_the_policies_and_the_registration(client, app):
    app.config["OPERATOR_NAME"] = "Công ty TNHH Chợ OCOP"
    app.config["ECOMMERCE_REGISTRATION"] = "0101234567/2026"
    try:
        page = page_of(client.get("/"))
    finally:
        del app.config["OPERATOR_NAME"], app.config["ECOMMERCE_REGISTRATION"]
    assert "Công ty TNHH Chợ OCOP" in page and "0101234567/2026" in page and "Bộ Công Thương" in page
    for name in ("returns", "complaints", "privacy", "operator"):
        assert f'href="/policies/{name}"' in page
    assert "mailto:hotro@localhost" in page


@pytest.mark.parametrize(("name", "vietnamese", "english"), [
    ("returns", "Đổi trả và hoàn tiền", "Returns and refunds"),
    ("complaints", "Khiếu nại", "Complaints"),
    ("privacy", "Quyền riêng tư và dữ liệu cá nhân", "Privacy and personal data"),
    ("operator", "Giới thiệu và liên hệ", "About us and contact"),
])
def test_policy_pages_in_both_languages(client, name, vietnamese, english):
    assert f"<h1>{vietnamese}</h1>" in page_of(client.get(f"/policies/{name}"))
    assert f"<h1>{english}</h1>" in page_of(client.get(f"/policies/{name}?lang=en"))


def test_an_unknown_policy_is_not_found(client):
    assert client.get("/policies/secret").status_code == 404
    assert client.get("/policies/..%2Fbase").status_code == 404
