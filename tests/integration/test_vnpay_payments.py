"""VNPay end to end against its fake over real HTTP: the signed redirect, IPNs (bad signature, replay, tampered
amount, any order of arrival), the return page that decides nothing, late payments refunded through the refund API,
refunds of parts, and a gateway that was down put right by reconciliation."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.jobs.scheduled import reconcile_payments
from marketplace.payments import refunds
from marketplace.payments.models import Payment, PaymentEvent, Refund
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from marketplace.shop.orders.services import expire_unpaid
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_vnpay import SECRET, secure_hash, vnpay_on

CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "Phường Hải Châu", "address": "1 Bạch Đằng", "payment_method": "vnpay"}


@pytest.fixture
def vnpay(app, client):
    """A fake VNPay whose IPNs wait until the test sends them (through the test client)."""
    with vnpay_on(app, client) as fake:
        fake.hold_ipn = True
        yield fake


@pytest.fixture
def shop(frozen_clock):
    """Two producers' products and a signed-in buyer's id."""
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=5, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=120000, stock=5, entity=make_entity("HTX Nam Ô"))
    buyer = make_user("customer", email="cuong@test.example")
    db.session.commit()
    return tea, sauce, buyer


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


@pytest.fixture
def placed(client, vnpay, shop):
    """A VNPay order of both products; returns (order, the signed VNPay URL the buyer is sent to)."""
    tea, sauce, buyer = shop
    client.login_as(buyer)
    client.set_cookie("lang", "en")  # pages are read in English below
    client.post_form("/cart/add", {"listing_id": listing_of(tea).id, "quantity": 1})
    client.post_form("/cart/add", {"listing_id": listing_of(sauce).id, "quantity": 2})
    response = client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.reference}/pay"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    url = db.session.scalar(select(Payment.gateway_request))["url"]
    assert f'content="0; url={url.replace("&", "&amp;")}"' in page  # the page sends the buyer on to VNPay
    return order, url


def deliver(client, params):
    """VNPay's IPN as it arrives (a GET); returns its JSON answer."""
    response = client.get("/webhooks/vnpay/ipn", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def state(order):
    db.session.expire_all()
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    return db.session.get(Order, order.id).status, payment.status


def test_the_redirect_carries_the_total_times_100_and_a_valid_signature(placed, vnpay):
    order, url = placed
    fields = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    assert order.total_vnd == 150000 + 2 * 120000 + 2 * 30000
    assert fields["vnp_Amount"] == str(order.total_vnd * 100) == "45000000"
    assert (fields["vnp_TxnRef"], fields["vnp_CurrCode"], fields["vnp_Command"]) == (order.reference, "VND", "pay")
    assert fields["vnp_ReturnUrl"] == "http://localhost/payments/vnpay/return"
    assert fields["vnp_CreateDate"] == "20261123120000" and fields["vnp_ExpireDate"] == "20261123123000"
    assert fields["vnp_SecureHash"] == secure_hash(fields, SECRET)  # the fake's own computation
    page = requests.get(url, timeout=5)  # the buyer's browser opens VNPay's page
    assert page.status_code == 200 and "450,000 VND" in page.text and "Sai chữ ký" not in page.text
    assert vnpay.transactions[order.reference]["amount"] == 45000000


def test_a_tampered_redirect_is_refused_by_vnpay(placed):
    _order, url = placed
    page = requests.get(url.replace("vnp_Amount=45000000", "vnp_Amount=100000"), timeout=5)
    assert "Sai chữ ký (70)" in page.text


def test_the_paid_ipn_marks_the_order_paid_once_even_when_replayed(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    params = vnpay.complete(order.reference)
    assert deliver(client, params) == {"RspCode": "00", "Message": "Confirm Success"}
    assert deliver(client, params) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert state(order) == ("paid", "succeeded")
    assert {part.status for part in db.session.scalars(select(VendorOrder))} == {"paid"}
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)
                             .where(PaymentEvent.to_status == "succeeded")) == 1
    assert db.session.scalar(select(func.count()).select_from(OrderEvent)
                             .where(OrderEvent.order_id == order.id, OrderEvent.to_status == "paid")) == 3
    payment = db.session.scalar(select(Payment))
    assert payment.gateway_transaction == params["vnp_TransactionNo"] and payment.provider_data["vnp_BankCode"] == "NCB"


def test_a_bad_signature_is_97_and_changes_nothing(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    vnpay.complete(order.reference)
    forged = vnpay.result(order.reference, secret="not-the-secret")
    assert deliver(client, forged)["RspCode"] == "97"
    assert deliver(client, {"vnp_TxnRef": order.reference, "vnp_ResponseCode": "00"})["RspCode"] == "97"
    assert state(order) == ("pending_payment", "pending")


def test_a_tampered_amount_fails_the_signature_and_a_signed_wrong_amount_is_04(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    params = vnpay.complete(order.reference)
    assert deliver(client, params | {"vnp_Amount": "100000"})["RspCode"] == "97"
    assert state(order) == ("pending_payment", "pending")
    vnpay.transactions[order.reference]["amount"] = 100000  # VNPay itself says another amount was paid
    assert deliver(client, vnpay.result(order.reference))["RspCode"] == "04"
    assert state(order) == ("pending_payment", "amount_mismatch")  # money arrived but is not accepted


def test_an_unknown_order_is_01(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    vnpay.complete(order.reference)
    params = vnpay.result(order.reference) | {"vnp_TxnRef": "OCOP-000000-NONE"}
    params["vnp_SecureHash"] = secure_hash(params, SECRET)
    assert deliver(client, params) == {"RspCode": "01", "Message": "Order not found"}


def test_the_return_before_the_ipn_shows_the_verdict_and_decides_nothing(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    params = vnpay.complete(order.reference)
    page = client.get("/payments/vnpay/return", query_string=params)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "VNPay says your payment went through." in text
    assert "We are waiting for VNPay to confirm it to us" in text
    assert state(order) == ("pending_payment", "pending")  # the return decided nothing
    assert deliver(client, params)["RspCode"] == "00"  # then the IPN arrives
    text = client.get("/payments/vnpay/return", query_string=params).get_data(as_text=True)
    assert "Your order is paid: the producers are preparing it." in text
    assert state(order) == ("paid", "succeeded")


def test_a_forged_return_is_400_and_changes_nothing(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    vnpay.complete(order.reference)
    forged = vnpay.result(order.reference, secret="not-the-secret")
    assert client.get("/payments/vnpay/return", query_string=forged).status_code == 400
    assert client.get("/payments/vnpay/return").status_code == 400
    assert state(order) == ("pending_payment", "pending")


def test_the_buyer_pays_on_vnpays_page_and_its_ipn_arrives_before_the_return(app, client, placed, vnpay):
    order, url = placed
    vnpay.hold_ipn = False
    requests.get(url, timeout=5)
    chosen = requests.post(f"{vnpay.base_url}/paymentv2/choose", data={"vnp_TxnRef": order.reference,
                                                                     "outcome": "pay"},
                           allow_redirects=False, timeout=10)
    assert chosen.status_code == 302
    assert json.loads(vnpay.ipn_answers[0][1][1])["RspCode"] == "00"  # VNPay's IPN, sent from its server
    back = urlsplit(chosen.headers["Location"])
    assert back.path == "/payments/vnpay/return"
    db.session.expire_all()  # the IPN was applied by another thread's session
    assert "Your order is paid" in client.get(back.path + "?" + back.query).get_data(as_text=True)
    assert state(order) == ("paid", "succeeded")


def test_a_cancelled_payment_cancels_the_order_and_returns_the_stock(client, placed, vnpay, shop):
    order, url = placed
    requests.get(url, timeout=5)
    assert listing_of(shop[0]).stock == 4
    assert deliver(client, vnpay.fail(order.reference, "24"))["RspCode"] == "00"
    assert state(order) == ("cancelled", "failed")
    db.session.expire_all()
    assert listing_of(shop[0]).stock == 5 and listing_of(shop[1]).stock == 5


def test_a_payment_after_expiry_is_refunded_in_full_through_vnpay(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    assert expire_unpaid(datetime.now(UTC) + timedelta(minutes=31)) == 1
    db.session.commit()
    assert state(order) == ("cancelled", "pending")
    assert deliver(client, vnpay.complete(order.reference))["RspCode"] == "00"
    assert state(order) == ("cancelled", "refunded")
    refund = db.session.scalar(select(Refund))
    assert (refund.reason, refund.amount_vnd, refund.status) == ("late_payment", order.total_vnd, "succeeded")
    made = vnpay.transactions[order.reference]
    assert made["refunded"] == order.total_vnd * 100 and len(made["refunds"]) == 1
    refund_call = next(r["params"] for r in vnpay.requests if (r["params"] or {}).get("vnp_Command") == "refund")
    assert (refund_call["vnp_TransactionType"], refund_call["vnp_Amount"]) == ("02", order.total_vnd * 100)
    assert refund_call["vnp_TransactionNo"] == made["number"] and refund_call["vnp_TransactionDate"] == "20261123120000"
    assert deliver(client, vnpay.result(order.reference))["RspCode"] == "02"  # a replay refunds nothing more
    assert len(made["refunds"]) == 1


def test_a_late_payment_whose_refund_vnpay_refuses_waits_for_finance_staff(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    expire_unpaid(datetime.now(UTC) + timedelta(minutes=31))
    db.session.commit()
    vnpay.refund_failure = "Merchant balance too low"
    assert deliver(client, vnpay.complete(order.reference))["RspCode"] == "00"  # the IPN still succeeds
    assert state(order) == ("cancelled", "succeeded")
    refund = db.session.scalar(select(Refund))
    assert refund.status == "failed" and "Merchant balance too low" in refund.error
    vnpay.refund_failure = None
    refunds.retry(refund, "finance@test.example")
    db.session.commit()
    assert state(order) == ("cancelled", "refunded") and refund.status == "succeeded"
    assert vnpay.transactions[order.reference]["refunded"] == order.total_vnd * 100


def test_the_buyer_cancelling_a_paid_order_is_refunded_through_vnpay(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    deliver(client, vnpay.complete(order.reference))
    response = client.post_form(f"/orders/{order.reference}/cancel")
    assert response.status_code == 302
    assert state(order) == ("cancelled", "refunded")
    assert vnpay.transactions[order.reference]["refunded"] == order.total_vnd * 100


def test_a_refund_vnpay_refuses_keeps_the_order_as_it_was(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    deliver(client, vnpay.complete(order.reference))
    vnpay.refund_failure = "Refund not allowed"
    page = client.post_form(f"/orders/{order.reference}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "Refund not allowed" in page
    assert state(order) == ("paid", "succeeded")


def test_an_admin_refund_refunds_each_part_then_the_payment(app, client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    deliver(client, vnpay.complete(order.reference))
    admin = make_user("admin", email="finance@test.example")
    db.session.commit()
    client.login_as(admin)
    assert client.post_form(f"/admin/orders/{order.reference}/refund").status_code == 302
    assert state(order) == ("refunded", "refunded")
    made = vnpay.transactions[order.reference]
    assert sorted(r["amount"] for r in made["refunds"]) == [(150000 + 30000) * 100, (240000 + 30000) * 100]
    calls = [r["params"] for r in vnpay.requests if (r["params"] or {}).get("vnp_Command") == "refund"]
    assert {call["vnp_TransactionType"] for call in calls} == {"03"}  # partial refunds, one per producer


def test_vnpay_down_the_order_waits_and_reconciliation_puts_it_right(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    vnpay.complete(order.reference)  # paid at VNPay, but its IPN never reaches us
    vnpay.down = True
    assert reconcile_payments(0) == [(order.reference, "error: VNPay could not be reached; try again shortly.")]
    assert state(order) == ("pending_payment", "pending")  # the order waits
    vnpay.down = False
    assert reconcile_payments(0) == [(order.reference, "paid")]
    assert state(order) == ("paid", "succeeded")
    assert reconcile_payments(0) == []  # nothing left pending


def test_reconciliation_expires_a_payment_whose_order_ended_and_leaves_an_open_one(client, placed, vnpay):
    order, url = placed
    requests.get(url, timeout=5)
    assert reconcile_payments(0) == [(order.reference, "still open")]
    expire_unpaid(datetime.now(UTC) + timedelta(minutes=31))
    db.session.commit()
    assert reconcile_payments(0) == [(order.reference, "expired")]
    assert state(order) == ("cancelled", "expired")
    assert deliver(client, vnpay.complete(order.reference))["RspCode"] == "00"  # then paid after all: refunded
    assert state(order) == ("cancelled", "refunded")


def test_vnpay_is_offered_only_when_configured(app, client, shop):
    tea, _sauce, buyer = shop
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing_of(tea).id, "quantity": 1})
    page = client.get("/checkout").get_data(as_text=True)
    assert '<input disabled id="payment_method-2" name="payment_method" type="radio" value="vnpay">' in page
    response = client.post_form("/checkout", CHECKOUT)
    assert response.status_code == 200 and db.session.scalar(select(func.count()).select_from(Order)) == 0
