"""Each entity fulfils its own part: confirm, ship with tracking, deliver, cancel (stock returns), refund by card;
its statement books each delivered part (tests/functional/test_statements.py has the figures)."""

import csv
import io
import json

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_stripe import FakeStripe, event, sign_payload

CHECKOUT = {"name": "Đỗ Minh", "email": "minh@test.example", "phone": "0987000111", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "2 Tràng Tiền"}


@pytest.fixture
def two_part_order(client, frozen_clock):
    tea_entity, sauce_entity = make_entity("HTX Chè Tân Cương"), make_entity("HTX Nước mắm Nam Ô")
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=5, entity=tea_entity)
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=100000, stock=5, entity=sauce_entity)
    owners = {"tea": make_user("vendor", entity=tea_entity), "sauce": make_user("vendor", entity=sauce_entity)}
    buyer = make_user("customer", email="minh@test.example")
    db.session.commit()
    return {"tea": tea, "sauce": sauce, "owners": owners, "buyer": buyer}


def place(client, world, method="cod"):
    client.login_as(world["buyer"])
    for key in ("tea", "sauce"):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == world[key].id))
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    client.post_form("/checkout", {**CHECKOUT, "payment_method": method})
    return db.session.scalar(select(Order).order_by(Order.id.desc()))


def part_of(order, entity_id):
    return db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id,
                                                       VendorOrder.entity_id == entity_id))


def test_ship_deliver_and_statement(client, two_part_order):
    world = two_part_order
    order = place(client, world)
    tea_part = part_of(order, world["tea"].entity_id)
    client.login_as(world["owners"]["tea"])
    refused = client.post_form(f"/vendor/orders/{tea_part.id}/ship", {"carrier": "", "tracking_number": ""})
    assert refused.status_code == 302 and db.session.get(VendorOrder, tea_part.id).status == "processing"
    client.post_form(f"/vendor/orders/{tea_part.id}/ship", {"carrier": "VNPost", "tracking_number": "EB123456789VN"})
    client.post_form(f"/vendor/orders/{tea_part.id}/deliver")
    assert db.session.get(VendorOrder, tea_part.id).status == "delivered"
    client.login_as(world["buyer"])
    assert "EB123456789VN" in client.get(f"/orders/{order.reference}").get_data(as_text=True)
    client.login_as(world["owners"]["tea"])
    rows = list(csv.reader(io.StringIO(client.get("/vendor/statement.csv").get_data(as_text=True).lstrip("\ufeff"))))
    # Cash on delivery: the carrier collected for the producer, so the platform owes nothing and keeps its
    # commission (5 % of 200.000 ₫) from later payouts; a cooperative has no tax withheld.
    assert [row for row in rows if order.reference in row] == [[
        "2026-11-23", order.reference, str(tea_part.id), "", "sale", "cod", "no", "200000", "30000", "0", "10000", "0",
        "0", "0", "-10000"]]


def test_an_entity_cannot_touch_another_entitys_part(client, two_part_order):
    world = two_part_order
    order = place(client, world)
    sauce_part = part_of(order, world["sauce"].entity_id)
    client.login_as(world["owners"]["tea"])
    assert client.post_form(f"/vendor/orders/{sauce_part.id}/cancel", {"note": "Hết hàng"}).status_code == 404
    assert db.session.get(VendorOrder, sauce_part.id).status == "processing"


def test_cancelling_one_part_returns_its_stock_and_both_parts_cancel_the_order(client, two_part_order):
    world = two_part_order
    order = place(client, world)
    for key in ("tea", "sauce"):
        client.login_as(world["owners"][key])
        client.post_form(f"/vendor/orders/{part_of(order, world[key].entity_id).id}/cancel", {"note": "Hết hàng"})
        stock = db.session.scalar(select(Listing.stock).where(Listing.product_id == world[key].id))
        assert stock == 5
    assert db.session.get(Order, order.id).status == "cancelled"


def test_refund_of_one_card_paid_part_goes_through_stripe(app, client, two_part_order):
    fake = FakeStripe(api_key="sk_test_fake")
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    try:
        with fake.serve() as base:
            app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET="whsec_t")
            world = two_part_order
            order = place(client, world, "card")
            session_id = next(iter(fake.sessions))
            payload = json.dumps(event("checkout.session.completed", fake.complete(session_id))).encode()
            client.post("/webhooks/stripe", data=payload, content_type="application/json",
                        headers={"Stripe-Signature": sign_payload(payload, "whsec_t")})
            tea_part = part_of(order, world["tea"].entity_id)
            client.login_as(world["owners"]["tea"])
            client.post_form(f"/vendor/orders/{tea_part.id}/confirm")
            client.post_form(f"/vendor/orders/{tea_part.id}/refund")
            assert db.session.get(VendorOrder, tea_part.id).status == "refunded"
            assert [refund["amount"] for refund in fake.refunds.values()] == [230000]
    finally:
        app.config.update(saved)


def test_admin_refunds_a_whole_card_order_and_stripe_confirms(app, client, two_part_order):
    from marketplace.core.mail import outbox_messages
    from marketplace.payments.models import Payment

    fake = FakeStripe(api_key="sk_test_fake")
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    try:
        with fake.serve() as base:
            app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET="whsec_t")
            world = two_part_order
            order = place(client, world, "card")
            paid = fake.complete(next(iter(fake.sessions)))
            body = json.dumps(event("checkout.session.completed", paid)).encode()
            client.post("/webhooks/stripe", data=body, content_type="application/json",
                        headers={"Stripe-Signature": sign_payload(body, "whsec_t")})
            client.login_as(make_user("admin"))
            db.session.commit()
            client.post_form(f"/admin/orders/{order.reference}/refund")
            assert sorted(refund["amount"] for refund in fake.refunds.values()) == [130000, 230000]
            assert db.session.get(Order, order.id).status == "refunded"
            charge = {"object": "charge", "payment_intent": paid["payment_intent"], "amount_refunded": 360000}
            body = json.dumps(event("charge.refunded", charge)).encode()
            response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                                   headers={"Stripe-Signature": sign_payload(body, "whsec_t")})
            assert response.get_json()["outcome"] == "refunded in full"
            assert db.session.scalar(select(Payment.status)) == "refunded"
            assert any("refunded" in message["Subject"] or "hoàn" in message["Subject"].lower()
                       for message in outbox_messages())
    finally:
        app.config.update(saved)


def test_customer_is_told_when_a_parcel_ships(client, two_part_order):
    from marketplace.core.mail import outbox_messages

    world = two_part_order
    order = place(client, world)
    client.login_as(world["owners"]["tea"])
    part = part_of(order, world["tea"].entity_id)
    client.post_form(f"/vendor/orders/{part.id}/ship", {"carrier": "Viettel Post", "tracking_number": "VT1"})
    assert any(order.reference in message["Subject"] for message in outbox_messages()[1:])


def test_packing_slip_and_status_filter_show_only_the_entitys_part(client, two_part_order, count_queries):
    world = two_part_order
    order = place(client, world)
    tea_part = part_of(order, world["tea"].entity_id)
    sauce_part = part_of(order, world["sauce"].entity_id)
    client.login_as(world["owners"]["tea"])
    slip = client.get(f"/vendor/orders/{tea_part.id}/slip").get_data(as_text=True)
    assert order.reference in slip and "Chè Tân Cương" in slip and "2 Tràng Tiền" in slip
    assert "Nước mắm Nam Ô" not in slip  # the other entity's line is not on this slip
    assert client.get(f"/vendor/orders/{sauce_part.id}/slip").status_code == 404
    processing = client.get("/vendor/?status=processing").get_data(as_text=True)
    shipped = client.get("/vendor/?status=shipped").get_data(as_text=True)
    assert order.reference in processing and order.reference not in shipped
    client.post_form(f"/vendor/orders/{tea_part.id}/ship", {"carrier": "VNPost", "tracking_number": "EB1VN"})
    assert order.reference in client.get("/vendor/?status=shipped").get_data(as_text=True)
    with count_queries() as counter:
        client.get(f"/vendor/orders/{tea_part.id}/slip")
    assert counter.count <= 6, counter.statements
