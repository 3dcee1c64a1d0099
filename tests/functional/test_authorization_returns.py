"""Every returns route × every kind of user (as tests/functional/test_authorization_matrix.py): the status code, and
nothing changed when refused. The world: entity A's delivered parcel bought by the customer, with an open case."""

from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.payments.models import Refund
from marketplace.returns import deadlines
from marketplace.returns import photos as case_photos
from marketplace.returns.models import CaseEvent, CaseLine, CasePhoto, ReturnCase
from marketplace.shop.orders.models import Order, OrderEvent, OrderLine, VendorOrder
from tests.functional.test_authorization_matrix import ACTORS, world  # noqa: F401  (the matrix's world fixture)

PHOTO = "ab" * 16


@pytest.fixture
def cases(app, world, tmp_path, monkeypatch):  # noqa: F811
    """The customer's delivered parcel from entity A and an open case about it, with one ready photo."""
    monkeypatch.setitem(app.config, "CASE_MEDIA_DIR", str(tmp_path / "cases"))
    customer, entity = world["users"]["customer"], world["entity_a"]
    order = Order(reference="OCOP-261205-RT01", user_id=customer.id, email=customer.email, name="Khách",
                  phone="0912345678", province_code="19", ward="Phường Bá Xuyên", ward_code="05533",
                  address="1 Hoàng Văn Thụ", status="delivered", payment_method="cod", subtotal_vnd=300000,
                  shipping_vnd=30000, total_vnd=330000)
    db.session.add(order)
    db.session.flush()
    part = VendorOrder(order_id=order.id, entity_id=entity.id, entity_name=entity.name, status="delivered",
                       subtotal_vnd=300000, shipping_vnd=30000)
    db.session.add(part)
    db.session.flush()
    line = OrderLine(vendor_order_id=part.id, listing_id=world["listing_a"], product_id=world["product_a"],
                     product_name="Chè Tân Cương", entity_name=entity.name, certificate_number="1/QĐ", stars=3,
                     unit_price_vnd=150000, quantity=2)
    db.session.add_all([line, OrderEvent(order_id=order.id, vendor_order_id=part.id, from_status="shipped",
                                         to_status="delivered", actor="system", at=deadlines.now())])
    db.session.flush()
    case = ReturnCase(order_id=order.id, vendor_order_id=part.id, entity_id=entity.id, user_id=customer.id,
                      kind="return", reason="damaged", details="Vỡ", status="open", bank_details="ACB 1",
                      answer_due_at=deadlines.now() + timedelta(days=3))
    db.session.add(case)
    db.session.flush()
    db.session.add_all([CaseLine(case_id=case.id, order_line_id=line.id, quantity=1),
                        CasePhoto(case_id=case.id, filename=f"{PHOTO}.webp", thumbnail=f"{PHOTO}_t.webp", width=40,
                                  height=30, status="ready")])
    case_photos.STORE.save(f"{PHOTO}.webp", b"RIFF0000WEBP", "image/webp")
    db.session.commit()
    return {**world, "case": case.id, "part": part.id, "line": line.id}


def snapshot():
    """Everything a refused request must leave untouched."""
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (ReturnCase, CaseEvent, CaseLine, CasePhoto, Refund, OrderEvent))
    statuses = tuple(db.session.execute(select(ReturnCase.id, ReturnCase.status, ReturnCase.refund_vnd)
                                        .order_by(ReturnCase.id)).all())
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    mails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    return counts, statuses, mails


ANON = {"anonymous": 302}
BUYER = {**ANON, "default": 404}
VENDOR = {**ANON, "default": 403, "member_other": 404}
ADMIN = {**ANON, "default": 403}
ROUTES = [
    ("GET", "/account/returns", {**ANON, "default": 200}),
    ("GET", "/account/returns/{case}", {**BUYER, "customer": 200}),
    ("GET", "/account/returns/new/{part}", {**BUYER, "customer": 200}),
    ("POST", "/account/returns/new/{part}", {**BUYER, "customer": 400}),  # a case is open already
    ("POST", "/account/returns/{case}/escalate", {**BUYER, "customer": 302}),  # refused: the producer has days
    ("POST", "/account/returns/{case}/withdraw", {**BUYER, "customer": 302}),
    ("GET", "/account/returns/{case}/label", {**BUYER, "customer": 302}),
    ("GET", f"/account/returns/{{case}}/photos/{PHOTO}.webp", {**BUYER, "customer": 200}),
    ("GET", "/vendor/returns", {**ANON, "default": 403, "member_other": 200, "member_this": 200, "staff_this": 200}),
    ("GET", "/vendor/returns/{case}", {**VENDOR, "member_this": 200, "staff_this": 200}),
    ("POST", "/vendor/returns/{case}/accept", {**VENDOR, "member_this": 302, "staff_this": 302}),
    ("POST", "/vendor/returns/{case}/refuse", {**VENDOR, "member_this": 302, "staff_this": 302}),
    ("POST", "/vendor/returns/{case}/received", {**VENDOR, "member_this": 302, "staff_this": 302}),
    ("GET", "/vendor/returns/{case}/label", {**VENDOR, "member_this": 302, "staff_this": 302}),
    ("GET", f"/vendor/returns/{{case}}/photos/{PHOTO}.webp", {**VENDOR, "member_this": 200, "staff_this": 200}),
    ("GET", "/admin/returns", {**ADMIN, "admin": 200}),
    ("GET", "/admin/returns?all=1", {**ADMIN, "admin": 200}),
    ("GET", "/admin/returns/{case}", {**ADMIN, "admin": 200}),
    ("POST", "/admin/returns/{case}/decide", {**ADMIN, "admin": 302}),  # refused: not escalated
    ("POST", "/admin/returns/{case}/paid", {**ADMIN, "admin": 302}),  # refused: nothing owed
    ("GET", f"/admin/returns/{{case}}/photos/{PHOTO}.webp", {**ADMIN, "admin": 200}),
]
FORM_DATA = {
    "/account/returns/new/{part}": {"kind": "return", "reason": "damaged", "details": "Vỡ", "qty-{line}": "1"},
    "/vendor/returns/{case}/accept": {"resolution": "send_back", "instructions": "Gửi về HTX"},
    "/vendor/returns/{case}/refuse": {"reason": "Không lỗi"},
    "/admin/returns/{case}/decide": {"decision": "refund", "qty-{line}": "1"},
    "/admin/returns/{case}/paid": {"note": "FT1"},
}
#: Requests that change the case when allowed (the others, refused or read-only, change nothing).
CHANGING = {("POST", "/account/returns/{case}/withdraw"), ("POST", "/vendor/returns/{case}/accept"),
            ("POST", "/vendor/returns/{case}/refuse")}
CASES = [(method, path, actor, expected.get(actor, expected["default"]))
         for method, path, expected in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor", "status"), CASES,
                         ids=[f"{m} {p} {a}" for m, p, a, _ in CASES])
def test_route_answers_each_kind_of_user(client, cases, method, path, actor, status):
    if actor != "anonymous":
        client.login_as(cases["users"][actor])
    url = path.format(**cases)
    data = {key.format(**cases): value for key, value in FORM_DATA.get(path, {}).items()}
    before = snapshot()
    with (client.get(url) if method == "GET" else client.post_form(url, data)) as response:
        assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status != 200 and (method, path) not in CHANGING or status in (401, 403, 404) or actor == "anonymous":
        assert snapshot() == before
    if actor == "anonymous" and status == 302:
        assert "/login?next=" in response.headers["Location"]
    if (method, path) in CHANGING and status == 302 and actor != "anonymous":
        assert snapshot() != before


def test_the_order_page_offers_returns_only_to_its_buyer(client, cases):
    client.login_as(cases["users"]["customer"])
    page = client.get("/orders/OCOP-261205-RT01").get_data(as_text=True)
    assert f"/account/returns/new/{cases['part']}" in page
    client.login_as(cases["users"]["admin"])
    assert client.get("/orders/OCOP-261205-RT01").status_code == 404


def test_guessed_case_ids_outside_the_scope_are_not_found(client, cases):
    client.login_as(cases["users"]["member_other"])
    for case_id in range(1, 6):
        assert client.post_form(f"/vendor/returns/{case_id}/accept", {"resolution": "keep_it"}).status_code == 404
    client.login_as(cases["users"]["officer_this"])
    assert client.get(f"/account/returns/{cases['case']}").status_code == 404
    assert db.session.get(ReturnCase, cases["case"]).status == "open"
