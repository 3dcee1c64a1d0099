"""Development without VNPay or MoMo keys: each gateway is the labelled simulation mounted in the app, and the whole
journey (checkout, the gateway's page, its notification, the return, a refund, reconciliation) runs through the real
clients, signatures and payment code. In production (no SIMULATED_PAYMENTS) unset keys mean the method is off."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.jobs.scheduled import reconcile_payments
from marketplace.payments.models import Payment
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "Phường Hải Châu", "address": "1 Bạch Đằng"}


@pytest.fixture
def simulated(app):
    app.config["SIMULATED_PAYMENTS"] = True
    yield
    app.config.pop("SIMULATED_PAYMENTS")
    app.extensions.pop("simulated_gateways", None)
    for name in ("SIMULATED_VNPAY_SECRET", "SIMULATED_MOMO_SECRET"):
        app.config.pop(name, None)


@pytest.fixture
def buyer(client, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=5, entity=make_entity("HTX Chè"))
    user = make_user("customer", email="cuong@test.example")
    db.session.commit()
    client.login_as(user)
    client.set_cookie("lang", "en")  # pages are read in English below
    client.post_form("/cart/add", {"listing_id": db.session.scalar(select(Listing.id).where(
        Listing.product_id == tea.id)), "quantity": 1})
    return user


def local(url):
    """The path and query of an address on the site itself (PUBLIC_URL is http://localhost in tests)."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return parts.path + ("?" + parts.query if parts.query else "")


def pay_in_simulation(client, method):
    """Check out with ``method``, open the simulated gateway's page and pay there; return the order and the return."""
    placed = client.post_form("/checkout", {**CHECKOUT, "payment_method": method})
    order = db.session.scalar(select(Order))
    assert placed.headers["Location"] == f"/orders/{order.reference}/pay"
    gateway_url = db.session.scalar(select(Payment.gateway_request))["url"]
    page = client.get(local(gateway_url))
    assert page.status_code == 200 and "SIMULATION" in page.get_data(as_text=True)
    if method == "vnpay":
        answer = client.post("/simulated/vnpay/paymentv2/choose", data={"vnp_TxnRef": order.reference,
                                                                       "outcome": "pay"})
    else:
        answer = client.post(local(gateway_url), data={"outcome": "pay"})
    assert answer.status_code == 302
    return order, answer.headers["Location"]


@pytest.mark.parametrize("method", ["vnpay", "momo"])
def test_the_whole_journey_runs_through_the_mounted_simulation(client, simulated, buyer, method):
    assert f'value="{method}">' in client.get("/checkout").get_data(as_text=True)
    order, back = pay_in_simulation(client, method)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"  # the simulated IPN reached our endpoint
    assert urlsplit(back).path == f"/payments/{method}/return"
    assert "Your order is paid" in client.get(local(back)).get_data(as_text=True)
    assert client.post_form(f"/orders/{order.reference}/cancel").status_code == 302  # refunded in simulation
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert (db.session.get(Order, order.id).status, payment.status) == ("cancelled", "refunded")


def test_reconciliation_asks_the_simulated_gateway(client, simulated, buyer, app):
    client.post_form("/checkout", {**CHECKOUT, "payment_method": "momo"})
    order = db.session.scalar(select(Order))
    fake = app.extensions["simulated_gateways"]["momo"]
    fake.hold_ipn = True
    fake.complete(order.reference)
    assert reconcile_payments(0) == [(order.reference, "paid")]


def test_without_simulation_the_mount_is_not_found_and_the_methods_are_off(client, buyer):
    assert client.get("/simulated/vnpay/paymentv2/vpcpay.html").status_code == 404
    assert client.post("/simulated/momo/v2/gateway/api/create", json={}).status_code == 404
    page = client.get("/checkout").get_data(as_text=True)
    assert 'disabled id="payment_method-2" name="payment_method" type="radio" value="vnpay"' in page
    assert 'disabled id="payment_method-3" name="payment_method" type="radio" value="momo"' in page
