"""The storefront rule on every edge, checked through the Python decision, the SQL query and the pages."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.registry.rules import certificate_status, valid_on
from marketplace.shop.catalog.models import Listing
from marketplace.shop.catalog.rules import availability, listed_products
from tests.factories import make_certificate, make_listing, make_product

TODAY = date(2026, 11, 23)


def listed_ids(day=TODAY):
    return {product.id for product, _, _ in db.session.execute(listed_products(day)).all()}


def decide(product, day=TODAY):
    certificates = db.session.scalars(select(Certificate).filter_by(product_id=product.id)).all()
    listing = db.session.scalars(select(Listing).filter_by(product_id=product.id)).first()
    return availability(listing, certificates, day)


def build(case):
    """One product per edge case; returns it with the expected (listed, sellable, reason)."""
    product = make_product(name=f"Sản phẩm {case}")
    stock, published = 5, True
    if case == "valid":
        make_certificate(product, valid_from=TODAY - timedelta(days=30))
    elif case == "expires_today":
        make_certificate(product, valid_from=date(2023, 11, 23), valid_until=TODAY)
    elif case == "expired_yesterday":
        make_certificate(product, valid_from=date(2023, 11, 22), valid_until=TODAY - timedelta(days=1))
    elif case == "starts_today":
        make_certificate(product, valid_from=TODAY)
    elif case == "starts_tomorrow":
        make_certificate(product, valid_from=TODAY + timedelta(days=1))
    elif case == "revoked":
        make_certificate(product, valid_from=date(2025, 1, 1), status="revoked", revoked_on=date(2026, 3, 1),
                         revocation_reason="đ) Chủ thể OCOP ngừng sản xuất sản phẩm")
    elif case == "superseded":
        make_certificate(product, valid_from=date(2024, 1, 1), stars=3)
        make_certificate(product, valid_from=date(2026, 1, 1), stars=4, status="revoked",
                         revoked_on=date(2026, 6, 1), revocation_reason="b) không còn đáp ứng tiêu chí")
    elif case == "upgraded":
        make_certificate(product, valid_from=date(2024, 1, 1), stars=3)
        make_certificate(product, valid_from=date(2026, 1, 1), stars=4)
    elif case == "upgrade_starts_tomorrow":
        make_certificate(product, valid_from=date(2024, 1, 1), stars=3)
        make_certificate(product, valid_from=TODAY + timedelta(days=1), stars=4)
    elif case == "unpublished":
        make_certificate(product, valid_from=TODAY - timedelta(days=30))
        published = False
    elif case == "out_of_stock":
        make_certificate(product, valid_from=TODAY - timedelta(days=30))
        stock = 0
    elif case == "no_certificate":
        pass
    make_listing(product, stock=stock, published=published)
    db.session.commit()
    return product


EXPECTED = {
    "valid": (True, True, None),
    "expires_today": (True, True, None),
    "expired_yesterday": (False, False, "certificate_expired"),
    "starts_today": (True, True, None),
    "starts_tomorrow": (False, False, "certificate_not_yet_valid"),
    "revoked": (False, False, "certificate_revoked"),
    "superseded": (False, False, "certificate_revoked"),
    "upgraded": (True, True, None),
    "upgrade_starts_tomorrow": (True, True, None),
    "unpublished": (False, False, "unpublished"),
    "out_of_stock": (True, False, "out_of_stock"),
    "no_certificate": (False, False, "no_certificate"),
}


@pytest.mark.parametrize("case", EXPECTED)
def test_python_rule_sql_rule_and_api_agree(case, client, frozen_clock):
    product = build(case)
    listed, sellable, reason = EXPECTED[case]
    decision = decide(product)
    assert (decision.listed, decision.sellable, decision.reason) == (listed, sellable, reason)
    assert (product.id in listed_ids()) is listed
    api_ids = {item["id"] for item in client.get("/api/v1/products?per_page=100").get_json()["items"]}
    assert (product.id in api_ids) is listed
    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    assert detail["sellable"] is sellable
    assert detail.get("reason") == reason


def test_upgrade_shows_the_new_stars_and_supersedes_the_old_certificate(client, frozen_clock):
    product = build("upgraded")
    item = client.get(f"/api/v1/products/{product.id}").get_json()
    assert item["stars"] == 4
    old = db.session.scalars(select(Certificate).filter_by(product_id=product.id, stars=3)).one()
    assert certificate_status(old, TODAY) == "superseded"
    assert client.get(f"/api/v1/certificates/{old.code}").get_json()["status"] == "superseded"


def test_status_and_sql_condition_agree_for_every_certificate_over_a_range_of_days(frozen_clock):
    for case in EXPECTED:
        build(case)
    certificates = db.session.scalars(select(Certificate)).all()
    for offset in range(-400, 400, 7):
        day = TODAY + timedelta(days=offset)
        in_sql = set(db.session.scalars(select(Certificate.id).where(valid_on(day))))
        in_python = {c.id for c in certificates if certificate_status(c, day) == "valid"}
        assert in_sql == in_python, day


def test_a_certificate_lapsing_while_the_process_runs_drops_the_product_at_midnight(client, frozen_clock):
    product = build("expires_today")
    frozen_clock.set(TODAY, time(23, 59))
    assert client.get("/api/v1/products").get_json()["total"] == 1
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "buy-form" in page and "not-sold" not in page
    frozen_clock.set(TODAY + timedelta(days=1), time(0, 0))
    assert client.get("/api/v1/products").get_json()["total"] == 0
    assert client.get(f"/api/v1/products/{product.id}").get_json()["reason"] == "certificate_expired"
    assert client.get("/search").status_code == 200
    assert product.name not in client.get("/search").get_data(as_text=True)


def test_today_is_the_date_in_vietnam_not_utc(client, frozen_clock):
    build("expires_today")
    # 23 Nov 2026 17:30 UTC is already 24 Nov 00:30 in Hà Nội: the certificate has lapsed there.
    frozen_clock.set(TODAY + timedelta(days=1), time(0, 30))
    assert client.get("/api/v1/products").get_json()["total"] == 0
