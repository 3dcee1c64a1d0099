"""Vendor API tokens: shown once and kept as a hash, scoped to one entity and to their scopes, revocable, rate
limited per token, audited; the bearer API ignores session cookies and needs no CSRF token."""

import hashlib
import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts import api_tokens
from marketplace.accounts.api_tokens import ApiToken
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import VendorOrder
from tests.factories import (
    make_certificate,
    make_entity,
    make_listed,
    make_listing,
    make_product,
    make_user,
    make_vendor_order,
)


@pytest.fixture
def shops(frozen_clock):
    """Entities A and B, each with an owner, a listed product and an order; tokens made in the test."""
    world = {}
    for key, province in (("a", "19"), ("b", "79")):
        entity = make_entity(f"HTX {key.upper()}", province_code=province)
        product = make_listed(f"Chè {key.upper()}", entity=entity, price_vnd=100000, stock=5)
        world[key] = {"entity": entity, "owner": make_user("vendor", entity=entity), "product": product,
                      "part": make_vendor_order(entity, [product]),
                      "listing": db.session.scalar(select(Listing).where(Listing.product_id == product.id))}
    db.session.commit()
    return world


def token_for(shop, scopes=api_tokens.SCOPES):
    _token, secret = api_tokens.create(shop["entity"], "Website", scopes, shop["owner"])
    db.session.commit()
    return secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_the_page_shows_the_token_once_and_keeps_only_its_hash(client, shops):
    client.login_as(shops["a"]["owner"])
    response = client.post_form("/vendor/tokens", {"name": "Shopify sync", "orders_read": "y",
                                                   "listings_write": "y"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'class="token-secret">(ocop_[A-Za-z0-9_-]{43})<', response.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:13] and secret not in (token.prefix, token.name, token.scopes)
    assert token.scope_list == ["orders:read", "listings:write"] and token.entity_id == shops["a"]["entity"].id
    listing = client.get("/vendor/tokens").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing
    assert client.get("/api/v1/vendor/orders", headers=bearer(secret)).status_code == 200
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.created"))
    assert created.actor_id == shops["a"]["owner"].id and created.after["prefix"] == token.prefix
    assert secret not in str(created.after)


def test_a_token_reads_its_own_entity_only(client, shops):
    secret = token_for(shops["a"])
    orders = client.get("/api/v1/vendor/orders", headers=bearer(secret)).get_json()
    assert [item["id"] for item in orders["items"]] == [shops["a"]["part"].id] and orders["next"] is None
    detail = client.get(f"/api/v1/vendor/orders/{shops['a']['part'].id}", headers=bearer(secret)).get_json()
    assert detail["lines"][0]["product_name"] == "Chè A" and detail["ship_to"]["province"]["code"] == "01"
    other = client.get(f"/api/v1/vendor/orders/{shops['b']['part'].id}", headers=bearer(secret))
    assert other.status_code == 404 and other.mimetype == "application/problem+json"
    listings = client.get("/api/v1/vendor/listings", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listings["items"]] == [shops["a"]["listing"].id]
    assert listings["items"][0]["listed"] is True
    patch = client.patch(f"/api/v1/vendor/listings/{shops['b']['listing'].id}", json={"stock": 0},
                         headers=bearer(secret))
    assert patch.status_code == 404
    assert db.session.get(Listing, shops["b"]["listing"].id).stock == 5


def test_scopes_are_enforced(client, shops):
    reader, writer = token_for(shops["a"], ["orders:read"]), token_for(shops["a"], ["listings:write"])
    listing_id = shops["a"]["listing"].id
    refused = client.patch(f"/api/v1/vendor/listings/{listing_id}", json={"stock": 1}, headers=bearer(reader))
    assert refused.status_code == 403 and 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert client.get("/api/v1/vendor/orders", headers=bearer(writer)).status_code == 403
    assert client.get("/api/v1/vendor/listings", headers=bearer(writer)).status_code == 200
    assert client.get("/api/v1/vendor/listings", headers=bearer(reader)).status_code == 200
    assert db.session.get(Listing, listing_id).stock == 5


def test_price_and_stock_go_through_the_listing_service_and_are_audited(client, shops):
    secret = token_for(shops["a"])
    listing_id, product_id = shops["a"]["listing"].id, shops["a"]["product"].id
    response = client.patch(f"/api/v1/vendor/listings/{listing_id}", json={"price_vnd": 125000, "stock": 0},
                            headers=bearer(secret))  # no CSRF token: the bearer API is exempt
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["price_vnd"] == 125000 and response.get_json()["stock"] == 0
    product = client.get(f"/api/v1/products/{product_id}").get_json()
    assert product["price_vnd"] == 125000 and product["sellable"] is False and product["reason"] == "out_of_stock"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "listing.updated"))
    token = db.session.scalar(select(ApiToken))
    assert entry.actor.startswith(f"api_token:{token.id} {token.prefix}") and entry.actor_id is None
    assert entry.before == {"price_vnd": 100000, "stock": 5} and entry.after == {"price_vnd": 125000, "stock": 0}
    assert token.last_used_at is not None


@pytest.mark.parametrize(("body", "status"), [
    ({"stock": -1}, 422), ({"price_vnd": 0}, 422), ({"stock": "3"}, 422), ({"stock": True}, 422),
    ({"stock": 2.5}, 422), ({"published": False}, 422), ({}, 422), ([1], 400), ("stock=3", 400),
])
def test_bad_changes_are_refused_with_a_problem(client, shops, body, status):
    secret = token_for(shops["a"])
    url = f"/api/v1/vendor/listings/{shops['a']['listing'].id}"
    if isinstance(body, str):
        response = client.patch(url, data=body, headers=bearer(secret))
    else:
        response = client.patch(url, json=body, headers=bearer(secret))
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "listing.updated")) is None


def test_revoked_unknown_and_missing_tokens_answer_401_and_cookies_do_not_count(client, shops):
    secret = token_for(shops["a"])
    for headers in ({}, bearer("ocop_" + "x" * 43), bearer("not-a-token"), {"Authorization": f"Basic {secret}"}):
        response = client.get("/api/v1/vendor/orders", headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert response.mimetype == "application/problem+json"
    client.login_as(shops["a"]["owner"])
    assert client.get("/api/v1/vendor/orders").status_code == 401  # a session cookie is not a token
    token = db.session.scalar(select(ApiToken))
    assert client.post_form(f"/vendor/tokens/{token.id}/revoke").status_code == 302
    response = client.get("/api/v1/vendor/orders", headers=bearer(secret))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    revoked = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoked"))
    assert revoked.subject_id == token.id and revoked.actor_id == shops["a"]["owner"].id


def test_rate_limit_counts_per_token(app, client, shops, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_VENDOR_API", "2 per minute")
    first, second = token_for(shops["a"]), token_for(shops["a"])
    for _ in range(2):
        assert client.get("/api/v1/vendor/listings", headers=bearer(first)).status_code == 200
    limited = client.get("/api/v1/vendor/orders", headers=bearer(first))
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/vendor/orders", headers=bearer(second)).status_code == 200


def test_updated_since_and_pages(client, shops, frozen_clock):
    secret = token_for(shops["a"])
    for _ in range(2):
        make_vendor_order(shops["a"]["entity"], [shops["a"]["product"]])
    db.session.commit()
    page = client.get("/api/v1/vendor/orders?per_page=2", headers=bearer(secret)).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and "page=2" in page["next"]
    rest = client.get(page["next"], headers=bearer(secret)).get_json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert client.get("/api/v1/vendor/orders?updated_since=2999-01-01",
                      headers=bearer(secret)).get_json()["items"] == []
    since = client.get("/api/v1/vendor/orders?updated_since=2000-01-01T00:00:00Z", headers=bearer(secret))
    assert since.get_json()["total"] == 3
    for query in ("updated_since=yesterday", "status=lost", "per_page=101", "page=0"):
        response = client.get(f"/api/v1/vendor/orders?{query}", headers=bearer(secret))
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
    delivered = client.get("/api/v1/vendor/orders?status=delivered", headers=bearer(secret)).get_json()
    assert delivered["total"] == 0
    assert db.session.scalar(select(VendorOrder).where(VendorOrder.status == "processing")) is not None


def test_listings_say_whether_the_storefront_shows_them(client, shops):
    lapsed = make_product("Chè hết hạn", entity=shops["a"]["entity"])
    make_certificate(lapsed, valid_from=date(2022, 1, 1))  # 36 months: expired on 2025-01-01
    make_listing(lapsed)
    db.session.commit()
    items = client.get("/api/v1/vendor/listings", headers=bearer(token_for(shops["a"]))).get_json()["items"]
    assert {item["product"]["name"]: item["listed"] for item in items} == {"Chè A": True, "Chè hết hạn": False}
