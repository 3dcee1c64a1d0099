"""MoMo end to end against its fake over real HTTP: create with its signature, the payUrl, IPNs (bad signature,
replay, tampered amount, any order of arrival), the return page that decides nothing, late payments refunded through
the refund API, and a gateway that was down put right by reconciliation."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.jobs.scheduled import reconcile_payments
from marketplace.payments.models import Payment, PaymentEvent, Refund
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder
from marketplace.shop.orders.services import expire_unpaid
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_momo import ACCESS_KEY, SECRET, momo_on, momo_signature

CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "Phường Hải Châu", "address": "1 Bạch Đằng", "payment_method": "momo"}
CREATE = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode", "redirectUrl",
          "requestId", "requestType")
NOTIFICATION = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode",
                "payType", "requestId", "responseTime", "resultCode", "transId")


@pytest.fixture
def momo(app, client):
    """A fake MoMo whose IPNs wait until the test sends them (through the test client)."""
    with momo_on(app, client) as fake:
        fake.hold_ipn = True
        yield fake


@pytest.fixture
def shop(frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=5, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=120000, stock=5, entity=make_entity("HTX Nam Ô"))
    buyer = make_user("customer", email="cuong@test.example")
    db.session.commit()
    return tea, sauce, buyer


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


@pytest.fixture
def placed(client, momo, shop):
    """A MoMo order of both products; returns (order, the payUrl the buyer is sent to)."""
    tea, sauce, buyer = shop
    client.login_as(buyer)
    client.set_cookie("lang", "en")  # pages are read in English below
    client.post_form("/cart/add", {"listing_id": listing_of(tea).id, "quantity": 1})
    client.post_form("/cart/add", {"listing_id": listing_of(sauce).id, "quantity": 2})
    response = client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    assert response.headers["Location"] == f"/orders/{order.reference}/pay"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    pay_url = f"{momo.base_url}/pay/{order.reference}"
    assert f'content="0; url={pay_url}"' in page
    return order, pay_url


def deliver(client, body):
    """MoMo's IPN as it arrives (a JSON POST); returns the HTTP status."""
    return client.post("/webhooks/momo/ipn", json=body).status_code


def state(order):
    db.session.expire_all()
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    return db.session.get(Order, order.id).status, payment.status


def test_create_sends_the_total_in_dong_signed_over_momos_field_string(placed, momo):
    order, _url = placed
    body = next(r["params"] for r in momo.requests if r["path"] == "/v2/gateway/api/create")
    assert body["amount"] == order.total_vnd == 450000  # đồng as they are: never multiplied
    assert (body["orderId"], body["requestType"], body["partnerCode"]) == (order.reference, "captureWallet",
                                                                           "MOMOOCOPTEST")
    assert body["ipnUrl"] == "http://localhost/webhooks/momo/ipn"
    assert body["redirectUrl"] == "http://localhost/payments/momo/return"
    raw = "&".join(f"{name}={ACCESS_KEY if name == 'accessKey' else body[name]}" for name in CREATE)
    assert raw.startswith(f"accessKey={ACCESS_KEY}&amount=450000&extraData=&ipnUrl=http://localhost/webhooks/momo/ipn"
                          f"&orderId={order.reference}&orderInfo=")
    assert body["signature"] == momo_signature({**body, "accessKey": ACCESS_KEY}, CREATE, SECRET)
    assert "accessKey" not in body  # the access key is signed, never sent


def test_the_pay_url_shows_momos_page(placed, momo):
    _order, url = placed
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "450,000 VND" in page.text and "SIMULATION" in page.text


def test_the_paid_ipn_marks_the_order_paid_once_even_when_replayed(client, placed, momo):
    order, _url = placed
    body = momo.complete(order.reference)
    assert deliver(client, body) == 204
    assert deliver(client, body) == 204  # MoMo resends: acknowledged, nothing more happens
    assert state(order) == ("paid", "succeeded")
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)
                             .where(PaymentEvent.to_status == "succeeded")) == 1
    assert db.session.scalar(select(Payment.gateway_transaction)) == str(body["transId"])


def test_a_bad_signature_is_400_and_changes_nothing(client, placed, momo):
    order, _url = placed
    momo.complete(order.reference)
    assert deliver(client, momo.result(order.reference, secret="not-the-secret")) == 400
    assert deliver(client, {"orderId": order.reference, "resultCode": 0}) == 400
    assert deliver(client, None) == 400
    assert state(order) == ("pending_payment", "pending")


def test_a_tampered_amount_fails_and_a_signed_wrong_amount_is_not_accepted(client, placed, momo):
    order, _url = placed
    body = momo.complete(order.reference)
    assert deliver(client, body | {"amount": 1000}) == 400
    assert state(order) == ("pending_payment", "pending")
    momo.orders[order.reference]["amount"] = 1000
    assert deliver(client, momo.result(order.reference)) == 204
    assert state(order) == ("pending_payment", "amount_mismatch")


def test_the_return_before_the_ipn_decides_nothing(client, placed, momo):
    order, _url = placed
    body = momo.complete(order.reference)
    text = client.get("/payments/momo/return", query_string=body).get_data(as_text=True)
    assert "MoMo says your payment went through." in text and "We are waiting for MoMo" in text
    assert state(order) == ("pending_payment", "pending")
    assert deliver(client, body) == 204
    assert "Your order is paid" in client.get("/payments/momo/return", query_string=body).get_data(as_text=True)
    forged = momo.result(order.reference, secret="nope")
    assert client.get("/payments/momo/return", query_string=forged).status_code == 400


def test_the_buyer_pays_on_momos_page_and_the_ipn_comes_from_momo(client, placed, momo):
    order, url = placed
    momo.hold_ipn = False
    chosen = requests.post(url, data={"outcome": "pay"}, allow_redirects=False, timeout=10)
    assert chosen.status_code == 302 and momo.ipn_answers[0][1][0] == 204
    assert urlsplit(chosen.headers["Location"]).path == "/payments/momo/return"
    assert state(order) == ("paid", "succeeded")


def test_a_refused_payment_cancels_the_order(client, placed, momo, shop):
    order, _url = placed
    assert deliver(client, momo.deny(order.reference)) == 204
    assert state(order) == ("cancelled", "failed")
    db.session.expire_all()
    assert listing_of(shop[0]).stock == 5


def test_a_payment_after_cancellation_is_refunded_through_momo(client, placed, momo):
    order, _url = placed
    assert client.post_form(f"/orders/{order.reference}/cancel").status_code == 302  # unpaid: nothing to refund
    assert state(order) == ("cancelled", "pending")
    assert deliver(client, momo.complete(order.reference)) == 204
    assert state(order) == ("cancelled", "refunded")
    refund = db.session.scalar(select(Refund))
    assert (refund.reason, refund.amount_vnd, refund.status) == ("late_payment", 450000, "succeeded")
    made = momo.orders[order.reference]["refunds"]
    assert [(r["orderId"], r["amount"]) for r in made] == [(f"{order.reference}-late-refund", 450000)]


def test_a_part_cancelled_by_the_buyer_is_refunded_then_the_rest(client, placed, momo):
    order, _url = placed
    deliver(client, momo.complete(order.reference))
    db.session.expire_all()
    tea_part, sauce_part = db.session.scalars(select(VendorOrder).order_by(VendorOrder.id)).all()
    client.post_form(f"/orders/{order.reference}/cancel", {"part": tea_part.id})
    assert state(order) == ("paid", "succeeded")  # one part refunded, the payment not all of it
    client.post_form(f"/orders/{order.reference}/cancel", {"part": sauce_part.id})
    assert state(order)[1] == "refunded"
    assert sorted(r["amount"] for r in momo.orders[order.reference]["refunds"]) == [180000, 270000]


def test_momo_down_the_order_waits_and_reconciliation_puts_it_right(client, placed, momo):
    order, _url = placed
    momo.complete(order.reference)  # paid at MoMo, but its IPN never reaches us
    momo.down = True
    assert reconcile_payments(0) == [(order.reference, "error: MoMo could not be reached; try again shortly.")]
    assert state(order) == ("pending_payment", "pending")
    momo.down = False
    assert reconcile_payments(0) == [(order.reference, "paid")]
    assert state(order) == ("paid", "succeeded")


def test_reconciliation_sees_an_expired_link_and_cancels_the_order(client, placed, momo, frozen_clock):
    order, _url = placed
    assert reconcile_payments(0) == [(order.reference, "still open")]
    frozen_clock.current += timedelta(minutes=101)  # MoMo's link expired unpaid
    assert reconcile_payments(0) == [(order.reference, "expired")]
    assert state(order) == ("cancelled", "expired")


def test_a_payment_that_cannot_start_cancels_the_order_and_says_why(client, momo, shop):
    tea, _sauce, buyer = shop
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing_of(tea).id, "quantity": 1})
    momo.down = True
    response = client.post_form("/checkout", CHECKOUT, follow_redirects=True)
    order = db.session.scalar(select(Order))
    assert order.status == "cancelled" and db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert response.status_code == 200
    db.session.expire_all()
    assert listing_of(tea).stock == 5


def test_an_expired_order_paid_late_is_refunded(client, placed, momo):
    order, _url = placed
    expire_unpaid(datetime.now(UTC) + timedelta(minutes=31))
    db.session.commit()
    assert deliver(client, momo.complete(order.reference)) == 204
    assert state(order) == ("cancelled", "refunded")
