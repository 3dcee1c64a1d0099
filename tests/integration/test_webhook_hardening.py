"""Webhooks that stay right under a refused refund, a clock-skewed signature and malformed events (#11 items 11, 12)."""

import json
import time

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.payments.models import Payment, ProcessedStripeEvent, Refund
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_stripe import FakeStripe, event, sign_payload

KEY, SECRET = "sk_test_fake", "whsec_test_secret"
CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "Phường Hải Châu", "address": "1 Bạch Đằng", "payment_method": "card"}
LONG_REFUSAL = ("This charge has been disputed by the cardholder and cannot be refunded until the dispute is "
                "resolved; contact support with the request id if you believe this is wrong.")


@pytest.fixture
def fake(app):
    fake = FakeStripe(api_key=KEY)
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET=SECRET)
        yield fake
        app.config.update(saved)


@pytest.fixture
def placed(client, fake, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=5, entity=make_entity("HTX Chè"))
    buyer = make_user("customer", email="cuong@test.example")
    db.session.commit()
    client.login_as(buyer)
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    return order, db.session.scalar(select(Payment.stripe_session_id)), buyer


def deliver(client, payload_event, timestamp=None):
    payload = json.dumps(payload_event).encode()
    return client.post("/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign_payload(payload, SECRET, timestamp)})


def test_a_refused_refund_is_recorded_and_retried_by_finance_staff(client, fake, placed):
    order, session_id, _buyer = placed
    assert client.post_form(f"/orders/{order.reference}/cancel").status_code == 302  # unpaid: cancelled
    fake.refund_failure = LONG_REFUSAL
    completed = event("checkout.session.completed", fake.complete(session_id))  # the money arrives late
    response = deliver(client, completed)
    assert response.status_code == 200
    assert "refund failed" in response.get_json()["outcome"]
    assert deliver(client, completed).get_json()["outcome"] == "duplicate"  # a retry of Stripe's changes nothing
    refund = db.session.scalar(select(Refund))
    assert (refund.status, refund.reason, refund.amount_vnd) == ("failed", "late_payment", order.total_vnd)
    assert LONG_REFUSAL in refund.error
    assert db.session.scalar(select(Payment.status)) == "succeeded"  # the money is held: nothing pretends otherwise
    assert len(db.session.scalar(select(ProcessedStripeEvent.outcome))) <= 80

    client.login_as(make_user("admin"))
    db.session.commit()
    page = client.get("/admin/payments").get_data(as_text=True)
    assert order.reference in page and "disputed by the cardholder" in page
    assert client.post_form(f"/admin/refunds/{refund.id}/retry").status_code == 302  # still refused
    db.session.expire_all()
    assert (refund.status, refund.attempts) == ("failed", 2)
    fake.refund_failure = None
    assert client.post_form(f"/admin/refunds/{refund.id}/retry").status_code == 302
    db.session.expire_all()
    assert refund.status == "succeeded" and db.session.scalar(select(Payment.status)) == "refunded"
    assert len(fake.refunds) == 1 and next(iter(fake.refunds.values()))["amount"] == order.total_vnd
    assert client.post_form(f"/admin/refunds/{refund.id}/retry").status_code == 302  # nothing more to do
    assert len(fake.refunds) == 1


def test_a_customer_cancelling_a_paid_card_order_is_refunded(client, fake, placed):
    order, session_id, _buyer = placed
    deliver(client, event("checkout.session.completed", fake.complete(session_id)))
    assert client.post_form(f"/orders/{order.reference}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.scalar(select(Payment.status)) == "refunded"
    assert [r["amount"] for r in fake.refunds.values()] == [order.total_vnd]


def test_a_signature_from_the_future_is_refused(client, fake, placed):
    _order, session_id, _buyer = placed
    completed = event("checkout.session.completed", fake.complete(session_id))
    assert deliver(client, completed, timestamp=int(time.time()) + 3600).status_code == 400
    assert deliver(client, completed, timestamp=int(time.time()) + 30).status_code == 200  # small skew is fine
    assert db.session.scalar(select(Payment.status)) == "succeeded"


@pytest.mark.parametrize("body", [
    {"id": "evt_bad_1", "type": "checkout.session.completed", "data": {}},
    {"id": "evt_bad_2", "type": "checkout.session.completed", "data": {"object": "nope"}},
    {"id": "evt_bad_3", "type": "checkout.session.expired", "data": None},
    {"id": "evt_bad_4", "type": "charge.refunded", "data": {"object": ["x"]}},
])
def test_validly_signed_malformed_events_are_ignored(client, fake, placed, body):
    body.update(object="event", api_version="2026-10-28.endive", created=int(time.time()), livemode=False)
    response = deliver(client, body)
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("ignored")
    assert db.session.scalar(select(func.count()).select_from(ProcessedStripeEvent)) == 1


def test_a_late_failure_never_overwrites_a_succeeded_payment(client, fake, placed):
    order, session_id, _buyer = placed
    paid = fake.complete(session_id)
    deliver(client, event("checkout.session.completed", paid))
    response = deliver(client, event("checkout.session.async_payment_failed", paid))
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("ignored")
    db.session.expire_all()
    assert db.session.scalar(select(Payment.status)) == "succeeded"
    assert db.session.get(Order, order.id).status == "paid"
