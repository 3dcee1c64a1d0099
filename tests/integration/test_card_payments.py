"""Card payments end to end through the real stripe library and a local fake Stripe: signed webhooks,
replays, events out of order, tampered amounts and expired sessions."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.payments.models import Payment, ProcessedStripeEvent
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_stripe import FakeStripe, event, sign_payload

KEY, SECRET = "sk_test_fake", "whsec_test_secret"
CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "Phường Hải Châu", "address": "1 Bạch Đằng", "payment_method": "card"}


@pytest.fixture
def fake():
    return FakeStripe(api_key=KEY)


@pytest.fixture
def stripe_on(app, fake):
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET=SECRET)
        yield base
        app.config.update(saved)


@pytest.fixture
def placed(client, stripe_on, fake, frozen_clock):
    """A customer who placed a card order for products of two entities; returns (order, session)."""
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=5, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=120000, stock=5, entity=make_entity("HTX Nam Ô"))
    buyer = make_user("customer", email="cuong@test.example")
    db.session.commit()
    client.login_as(buyer)
    for product, quantity in ((tea, 1), (sauce, 2)):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": quantity})
    response = client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    session_id = db.session.scalar(select(Payment.stripe_session_id))
    assert response.status_code == 200  # a page of ours sends the buyer on (CSP form-action 'self')
    assert f'content="0; url={stripe_on}/checkout/{session_id}"' in response.get_data(as_text=True)
    return order, fake.sessions[session_id]


def deliver(client, payload_event, secret=SECRET, body=None):
    payload = body if body is not None else json.dumps(payload_event).encode()
    return client.post("/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign_payload(payload, secret)})


def test_vnd_amount_sent_to_stripe_is_the_order_total(placed, fake):
    order, session = placed
    assert order.total_vnd == 150000 + 2 * 120000 + 2 * 30000
    assert session["amount_total"] == order.total_vnd and session["currency"] == "vnd"
    assert session["metadata"] == {"order_reference": order.reference}


def test_completed_webhook_marks_paid_once_even_when_replayed(client, placed, fake):
    order, session = placed
    paid = fake.complete(session["id"])
    completed = event("checkout.session.completed", paid)
    assert deliver(client, completed).get_json()["outcome"] == "paid"
    assert deliver(client, completed).get_json()["outcome"] == "duplicate"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert {p.status for p in db.session.scalars(select(VendorOrder))} == {"paid"}
    assert db.session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.to_status == "paid")) == 3
    assert db.session.scalar(select(func.count()).select_from(ProcessedStripeEvent)) == 1


def test_bad_signature_is_400_and_changes_nothing(client, placed, fake):
    order, session = placed
    completed = event("checkout.session.completed", fake.complete(session["id"]))
    assert deliver(client, completed, secret="whsec_wrong").status_code == 400
    tampered = json.dumps(completed).encode()
    response = client.post("/webhooks/stripe", data=tampered.replace(b"paid", b"PAID", 1),
                           content_type="application/json",
                           headers={"Stripe-Signature": sign_payload(tampered, SECRET)})
    assert response.status_code == 400
    assert client.post("/webhooks/stripe", data=b"{}", content_type="application/json").status_code == 400
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending_payment"
    assert db.session.scalar(select(func.count()).select_from(ProcessedStripeEvent)) == 0


def test_a_tampered_amount_is_not_accepted_as_payment(client, placed, fake):
    order, session = placed
    paid = dict(fake.complete(session["id"]), amount_total=1000)
    assert deliver(client, event("checkout.session.completed", paid)).get_json()["outcome"].startswith("amount")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending_payment"
    assert db.session.scalar(select(Payment.status)) == "amount_mismatch"


def test_expired_session_cancels_and_releases_stock(client, placed, fake):
    order, session = placed
    before = db.session.scalar(select(func.sum(Listing.stock)))
    expired = fake.expire(session["id"])
    assert deliver(client, event("checkout.session.expired", expired)).get_json()["outcome"] == "expired: cancelled"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.scalar(select(func.sum(Listing.stock))) == before + 3


def test_events_out_of_order(client, placed, fake):
    order, session = placed
    paid = fake.complete(session["id"])
    deliver(client, event("checkout.session.completed", paid))
    late_expiry = event("checkout.session.expired", dict(paid, status="expired"))
    assert deliver(client, late_expiry).get_json()["outcome"] == "expired: ignored"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"


def test_payment_after_cancellation_is_refunded(client, placed, fake):
    order, session = placed
    paid = fake.complete(session["id"])
    deliver(client, event("checkout.session.expired", dict(paid, status="expired", payment_status="unpaid")))
    outcome = deliver(client, event("checkout.session.completed", paid)).get_json()["outcome"]
    assert outcome == "paid after cancellation: refunded"
    assert fake.refunds and list(fake.refunds.values())[0]["amount"] == order.total_vnd


def test_reconcile_applies_a_missed_webhook(app, runner, placed, fake):
    order, session = placed
    fake.complete(session["id"])
    payment = db.session.scalar(select(Payment))
    payment.created_at -= timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["orders", "reconcile"])
    assert f"{session['id']}: paid" in result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
