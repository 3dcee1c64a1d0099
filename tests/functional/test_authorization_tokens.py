"""The API token pages and the bearer API × every kind of user: the status code, and nothing changed when refused.

In the style of test_authorization_matrix.py. Only an entity's owner manages its tokens; a token of another
entity is not found (404); the vendor API answers 401 to every session, whoever is signed in.
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.accounts import api_tokens
from marketplace.accounts.api_tokens import ApiToken
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.showrooms.models import Showroom
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user, make_vendor_order

ACTORS = ["anonymous", "customer", "member_other", "owner_other", "member_this", "staff_this", "showroom_staff",
          "officer_other", "officer_this", "officer_national", "admin"]


@pytest.fixture
def world(frozen_clock):
    """Entity A (Thái Nguyên) with an owner, a staff member, a listing, an order and a token; entity B (HCM)
    with an owner and a staff member."""
    entity_a = make_entity("HTX Chè Tân Cương", province_code="19")
    entity_b = make_entity("HTX Sài Gòn Xanh", province_code="79")
    showroom = Showroom(name="Điểm OCOP Thái Nguyên", province_code="19", kind="transport_hub")
    db.session.add(showroom)
    db.session.flush()
    users = {
        "customer": make_user("customer"),
        "member_other": make_user("vendor", entity=entity_b, member_role="staff"),
        "owner_other": make_user("vendor", entity=entity_b, member_role="owner"),
        "member_this": make_user("vendor", entity=entity_a, member_role="owner"),
        "staff_this": make_user("vendor", entity=entity_a, member_role="staff"),
        "showroom_staff": make_user("showroom_staff", showroom_id=showroom.id),
        "officer_other": make_user("officer", province_code="79"),
        "officer_this": make_user("officer", province_code="19"),
        "officer_national": make_user("officer"),
        "admin": make_user("admin"),
    }
    product = make_product("Chè Tân Cương", entity=entity_a)
    make_certificate(product, valid_from=date(2025, 6, 1))
    listing = make_listing(product)
    part = make_vendor_order(entity_a, [product])
    token, _secret = api_tokens.create(entity_a, "Website", api_tokens.SCOPES, users["member_this"])
    db.session.commit()
    return {"users": users, "token_a": token.id, "listing_a": listing.id, "part_a": part.id}


def snapshot():
    """Everything a refused request must leave untouched."""
    tokens = tuple(db.session.execute(select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
                                      .order_by(ApiToken.id)).all())
    listings = tuple(db.session.execute(select(Listing.id, Listing.price_vnd, Listing.stock)).all())
    return tokens, listings, db.session.scalar(select(func.count()).select_from(AuditEntry))


ANON = {"anonymous": 302}
OWNERS = {"member_this": 200, "owner_other": 200}
ROUTES = [
    ("GET", "/vendor/tokens", {**ANON, "default": 403, **OWNERS}),
    ("POST", "/vendor/tokens", {**ANON, "default": 403, **OWNERS}),
    ("POST", "/vendor/tokens/{token_a}/revoke", {**ANON, "default": 403, "member_other": 404, "owner_other": 404,
                                                 "member_this": 302}),
    ("GET", "/api/v1/vendor/orders", {"default": 401}),
    ("GET", "/api/v1/vendor/orders/{part_a}", {"default": 401}),
    ("GET", "/api/v1/vendor/listings", {"default": 401}),
    ("PATCH", "/api/v1/vendor/listings/{listing_a}", {"default": 401}),
]
FORM_DATA = {"/vendor/tokens": {"name": "Kênh bán hàng", "orders_read": "y"}}
CASES = [(method, path, actor, expected.get(actor, expected["default"]))
         for method, path, expected in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor", "status"), CASES,
                         ids=[f"{m} {p} {a}" for m, p, a, _ in CASES])
def test_route_answers_each_kind_of_user(client, world, method, path, actor, status):
    if actor != "anonymous":
        client.login_as(world["users"][actor])
    url = path.format(**world)
    before = snapshot()
    if method == "GET":
        response = client.get(url)
    elif method == "PATCH":
        response = client.patch(url, json={"stock": 0})
    else:
        response = client.post_form(url, FORM_DATA.get(path, {}))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status in (302, 401, 403, 404) and not (method == "POST" and status == 302 and actor != "anonymous"):
        assert snapshot() == before
    if actor == "anonymous" and status == 302:
        assert "/login?next=" in response.headers["Location"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_guessed_token_ids_of_another_entity_are_not_found(client, world):
    client.login_as(world["users"]["owner_other"])
    for token_id in range(1, 6):
        assert client.post_form(f"/vendor/tokens/{token_id}/revoke").status_code == 404
    assert db.session.scalar(select(ApiToken.revoked_at)) is None
