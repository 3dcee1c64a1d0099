"""Every protected route × every kind of user: the status code, and nothing changed when refused."""

from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import EntityApplication, Invitation, SavedAddress, User, VendorMembership
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.showrooms.models import Placement, Showroom
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user

ACTORS = ["anonymous", "customer", "member_other", "member_this", "staff_this", "showroom_staff", "officer_other",
          "officer_this", "officer_national", "admin"]


@pytest.fixture
def world():
    """Entity A in Thái Nguyên (19) with an owner and a staff member; entity B in HCM (79); an application
    and a showroom in each province."""
    entity_a = make_entity("HTX Chè Tân Cương", province_code="19", tax_code="4600000001")
    entity_b = make_entity("HTX Sài Gòn Xanh", province_code="79", tax_code="0300000001")
    showroom_a = Showroom(name="Điểm OCOP Thái Nguyên", province_code="19", kind="transport_hub")
    showroom_b = Showroom(name="Điểm OCOP Sài Gòn", province_code="79", kind="mall_market")
    db.session.add_all([showroom_a, showroom_b])
    db.session.flush()
    users = {
        "customer": make_user("customer"),
        "member_other": make_user("vendor", entity=entity_b, member_role="staff"),
        "member_this": make_user("vendor", entity=entity_a, member_role="owner"),
        "staff_this": make_user("vendor", entity=entity_a, member_role="staff"),
        "showroom_staff": make_user("showroom_staff", showroom_id=showroom_a.id),
        "officer_other": make_user("officer", province_code="79"),
        "officer_this": make_user("officer", province_code="19"),
        "officer_national": make_user("officer"),
        "admin": make_user("admin"),
    }
    applicant = make_user("customer", email="applicant@test.example")
    application_a = EntityApplication(user_id=applicant.id, name="HTX Mới Thái Nguyên", entity_type="cooperative",
                                      province_code="19")
    db.session.add(application_a)
    product_a = make_product("Chè Tân Cương", entity=entity_a)
    certificate_a = make_certificate(product_a, valid_from=date(2025, 6, 1))
    listing_a = make_listing(product_a)
    placement_a = Placement(showroom_id=showroom_a.id, product_id=product_a.id, status="requested")
    db.session.add(placement_a)
    address_a = SavedAddress(user_id=users["customer"].id, name="Khách", phone="0912345678", province_code="19",
                             ward_code="05533", ward="Phường Bá Xuyên", address="1 Hoàng Văn Thụ", is_default=True)
    db.session.add(address_a)
    db.session.commit()
    staff_membership = db.session.scalar(select(VendorMembership).where(
        VendorMembership.user_id == users["staff_this"].id))
    return {"users": users, "entity_a": entity_a, "showroom_a": showroom_a.id, "showroom_b": showroom_b.id,
            "application_a": application_a.id, "staff_membership": staff_membership.id,
            "product_a": product_a.id, "listing_a": listing_a.id, "certificate_a": certificate_a.id,
            "placement_a": placement_a.id, "address_a": address_a.id,
            "customer_id": users["customer"].id}


def snapshot():
    """Everything a refused request must leave untouched."""
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (User, VendorMembership, EntityApplication, Invitation, AuditEntry, SavedAddress))
    roles = tuple(db.session.execute(select(User.id, User.role, User.province_code, User.active)
                                     .order_by(User.id)).all())
    statuses = tuple(db.session.scalars(select(EntityApplication.status).order_by(EntityApplication.id)))
    statuses += tuple(db.session.scalars(select(Certificate.status).order_by(Certificate.id)))
    statuses += tuple(db.session.scalars(select(Placement.status).order_by(Placement.id)))
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    mails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    return counts, roles, statuses, mails


# (method, path template, {actor: status}); actors not named get the "default" status.
ANON = {"anonymous": 302}
ROUTES = [
    ("GET", "/account", {**ANON, "default": 200}),
    ("GET", "/account/data", {**ANON, "default": 200}),
    ("GET", "/account/addresses", {**ANON, "default": 200}),
    ("GET", "/account/addresses/new", {**ANON, "default": 200}),
    ("GET", "/account/addresses/{address_a}/edit", {**ANON, "default": 404, "customer": 200}),
    ("POST", "/account/addresses/{address_a}/edit", {**ANON, "default": 404, "customer": 302}),
    ("POST", "/account/addresses/{address_a}/default", {**ANON, "default": 404, "customer": 302}),
    ("POST", "/account/addresses/{address_a}/delete", {**ANON, "default": 404, "customer": 302}),
    ("GET", "/vendor/", {**ANON, "default": 403, "member_other": 200, "member_this": 200, "staff_this": 200}),
    ("POST", "/vendor/team/invite", {**ANON, "default": 403, "member_this": 302}),
    ("POST", "/vendor/team/{staff_membership}/remove",
     {**ANON, "default": 403, "member_other": 404, "staff_this": 403, "member_this": 302}),
    ("GET", "/vendor/apply", {**ANON, "default": 200}),
    ("GET", "/officer/applications", {**ANON, "default": 403, "officer_other": 200, "officer_this": 200,
                                      "officer_national": 200, "admin": 200}),
    ("GET", "/officer/applications/{application_a}", {**ANON, "default": 403, "officer_other": 404,
                                                      "officer_this": 200, "officer_national": 200, "admin": 200}),
    ("POST", "/officer/applications/{application_a}", {**ANON, "default": 403, "officer_other": 404,
                                                       "officer_this": 302, "officer_national": 302, "admin": 302}),
    ("GET", "/admin/users", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/users/{customer_id}", {**ANON, "default": 403, "admin": 200}),
    ("POST", "/admin/users/{customer_id}", {**ANON, "default": 403, "admin": 302}),
    ("GET", "/admin/audit", {**ANON, "default": 403, "officer_other": 200, "officer_this": 200,
                             "officer_national": 200, "admin": 200}),
    ("GET", "/showroom/", {**ANON, "default": 403, "showroom_staff": 302, "officer_other": 200, "officer_this": 200,
                           "officer_national": 200, "admin": 200}),
    ("GET", "/showroom/{showroom_a}", {**ANON, "default": 403, "showroom_staff": 200, "officer_other": 404,
                                       "officer_this": 200, "officer_national": 200, "admin": 200}),
    ("GET", "/showroom/{showroom_b}", {**ANON, "default": 403, "showroom_staff": 404, "officer_other": 200,
                                       "officer_this": 404, "officer_national": 200, "admin": 200}),
    ("GET", "/api/v1/me", {"anonymous": 401, "default": 200}),
    ("GET", "/orders", {**ANON, "default": 200}),
    ("GET", "/admin/payments", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/jobs", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/statements.csv", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/statements", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/statements/{entity_a.id}", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/statements/{entity_a.id}.xlsx", {**ANON, "default": 403, "admin": 200}),
    ("POST", "/admin/statements/{entity_a.id}/payouts", {**ANON, "default": 403, "admin": 302}),
    ("GET", "/admin/withholding", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/admin/withholding.csv", {**ANON, "default": 403, "admin": 200}),
    ("GET", "/vendor/statement", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                  "staff_this": 200}),
    ("GET", "/vendor/statement.csv", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                      "staff_this": 200}),
    ("GET", "/vendor/numbers", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                "staff_this": 200}),
    ("GET", "/vendor/numbers.csv", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                    "staff_this": 200}),
    ("GET", "/vendor/listings.csv", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                     "staff_this": 200}),
    ("GET", "/vendor/orders.xlsx", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                    "staff_this": 200}),
    ("GET", "/vendor/listings/upload", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                        "staff_this": 200}),
    ("GET", "/vendor/products/{product_a}/listing", {**ANON, "default": 403, "member_other": 404,
                                                     "member_this": 200, "staff_this": 200}),
    ("GET", "/vendor/listings/{listing_a}/images", {**ANON, "default": 403, "member_other": 404,
                                                    "member_this": 200, "staff_this": 200}),
    ("GET", "/vendor/channels", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                 "staff_this": 200}),
    ("GET", "/vendor/?status=processing", {**ANON, "default": 403, "member_other": 200, "member_this": 200,
                                           "staff_this": 200}),
    ("POST", "/vendor/listings/{listing_a}/variants", {**ANON, "default": 403, "member_other": 404,
                                                       "member_this": 302, "staff_this": 302}),
    ("GET", "/cart", {"default": 200}),
    ("GET", "/officer/registry", {**ANON, "default": 403, "officer_other": 200, "officer_this": 200,
                                  "officer_national": 200, "admin": 200}),
    ("GET", "/officer/products/{product_a}", {**ANON, "default": 403, "officer_other": 404, "officer_this": 200,
                                              "officer_national": 200, "admin": 200}),
    ("POST", "/officer/certificates/{certificate_a}/revoke", {**ANON, "default": 403, "officer_other": 404,
                                                              "officer_this": 302, "officer_national": 302,
                                                              "admin": 302}),
    ("POST", "/officer/products/{product_a}/gtin", {**ANON, "default": 403, "officer_other": 404,
                                                   "officer_this": 302, "officer_national": 302, "admin": 302}),
    # Open data (#15.4): public to everyone.
    ("GET", "/open-data", {"default": 200}),
    ("GET", "/sitemap.xml", {"default": 200}),
    ("GET", "/robots.txt", {"default": 200}),
    ("GET", "/api/v1/certificates?status=valid", {"default": 200}),
    ("GET", "/01/08931234567897", {"default": 404}),
    ("GET", "/officer/registry/upload", {**ANON, "default": 403, "officer_other": 200, "officer_this": 200,
                                         "officer_national": 200, "admin": 200}),
    ("POST", "/showroom/{showroom_a}/placements/{placement_a}/decline",
     {**ANON, "default": 403, "showroom_staff": 302, "officer_other": 404, "officer_this": 302,
      "officer_national": 302, "admin": 302}),
    ("GET", "/showroom/{showroom_a}/shelf.csv", {**ANON, "default": 403, "showroom_staff": 200, "officer_other": 404,
                                                 "officer_this": 200, "officer_national": 200, "admin": 200}),
    # Payment gateways: what only a gateway's signature opens answers the same to everyone without it.
    ("GET", "/payments/vnpay/return", {"default": 400}),
    ("GET", "/payments/momo/return", {"default": 400}),
    ("GET", "/webhooks/vnpay/ipn", {"default": 200}),
    ("POST", "/webhooks/momo/ipn", {"default": 400}),
    ("GET", "/simulated/vnpay/paymentv2/vpcpay.html", {"default": 404}),
    # Shipping (GHN): the producer's settings and labels, finance staff's cash on delivery, the carrier's callback
    # (only its secret opens it) and its simulation (development only).
    ("GET", "/vendor/shipping", {**ANON, "default": 403, "member_other": 200, "member_this": 200, "staff_this": 200}),
    ("POST", "/vendor/shipping", {**ANON, "default": 403, "member_other": 302, "member_this": 302,
                                  "staff_this": 302}),
    ("GET", "/vendor/orders/999999/label", {**ANON, "default": 403, "member_other": 404, "member_this": 404,
                                            "staff_this": 404}),
    ("GET", "/admin/cod", {**ANON, "default": 403, "admin": 200}),
    ("POST", "/admin/cod/reconcile", {**ANON, "default": 403, "admin": 302}),
    ("GET", "/checkout/quote?province=19&ward=05533", {"default": 200}),
    ("POST", "/webhooks/ghn", {"default": 401}),
    ("GET", "/simulated/ghn/", {"default": 404}),
]
FORM_DATA = {
    "/account/addresses/{address_a}/edit": {"name": "Khách", "phone": "0912345678", "province": "19",
                                            "ward": "05533", "address": "2 Hoàng Văn Thụ"},
    "/vendor/listings/{listing_a}/variants": {"variant-label": "hộp 500 g", "variant-price_vnd": "220000",
                                              "variant-stock": "3"},
    "/vendor/team/invite": {"email": "new.staff@test.example"},
    "/vendor/shipping": {"province": "19", "ward": "05533", "address": "1 Hoàng Văn Thụ", "phone": "0912345678"},
    "/officer/applications/{application_a}": {"decision": "approve"},
    "/admin/users/{customer_id}": {"role": "officer", "province": "19", "showroom": "", "active": "y"},
    "/admin/statements/{entity_a.id}/payouts": {"amount_vnd": "1000", "paid_on": "2026-01-05",
                                                "bank_reference": "FT-MATRIX-1"},  # nothing is owed: refused
    "/officer/products/{product_a}/gtin": {"gtin": "8931234567897"},
    "/officer/certificates/{certificate_a}/revoke": {"ground": "b", "text": "kiểm tra", "revoked_on": "2026-11-23"},
}
CASES = [(method, path, actor, expected.get(actor, expected["default"]))
         for method, path, expected in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor", "status"), CASES,
                         ids=[f"{m} {p} {a}" for m, p, a, _ in CASES])
def test_route_answers_each_kind_of_user(client, world, method, path, actor, status):
    if actor != "anonymous":
        client.login_as(world["users"][actor])
    url = path.format(**world)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post_form(url, FORM_DATA.get(path, {}))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status in (302, 401, 403, 404) and not (method == "POST" and status == 302 and actor != "anonymous"):
        assert snapshot() == before
    if actor == "anonymous" and status == 302:
        assert "/login?next=" in response.headers["Location"]


def test_officers_see_only_their_province_in_lists_and_audit(client, world):
    entity_a = world["entity_a"]
    from marketplace.core import audit

    audit.record("cli:test", "entity.updated", entity_a, {"name": "x"}, {"name": entity_a.name})
    db.session.commit()
    client.login_as(world["users"]["officer_other"])
    assert "HTX Mới Thái Nguyên" not in client.get("/officer/applications").get_data(as_text=True)
    assert "entity.updated" not in client.get("/admin/audit").get_data(as_text=True)
    client.login_as(world["users"]["officer_this"])
    assert "HTX Mới Thái Nguyên" in client.get("/officer/applications").get_data(as_text=True)
    assert "entity.updated" in client.get("/admin/audit").get_data(as_text=True)


def test_guessed_ids_outside_the_scope_are_not_found(client, world):
    client.login_as(world["users"]["member_other"])
    for membership_id in range(1, 12):
        response = client.post_form(f"/vendor/team/{membership_id}/remove")
        assert response.status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(VendorMembership)) == 3
