"""Issue #14's journey end to end, in a real browser: paid online through VNPay or MoMo, shipped through GHN, delivered.

A buyer on a 360 × 780 phone finds a product by searching, puts it in the basket and checks out paying with VNPay
(resp. MoMo); each gateway's fake runs on a loopback port, its page (labelled simulation) takes the payment and its
IPN reaches the app over HTTP; the buyer lands on the order page, paid. The producer, signed in as the entity's
member, confirms the paid order on the dashboard, hands the parcel to GHN's fake (the carrier collects nothing) and
opens the carrier's label. The carrier's desk (the fake's page) sends GHN's status callbacks over HTTP: picked up,
in transit, delivered; one callback is sent again, and so is the gateway's IPN. The buyer's order page shows the
parcel delivered with its timeline; the database holds one capture of the payment and one event per carrier status.
"""

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentEvent
from marketplace.registry.models import Entity
from marketplace.shipping.models import CarrierEvent, Shipment, ShippingProfile
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from tests.factories import PASSWORD, make_entity, make_listed, make_user
from tests.support.browser import PHONE, SCREENSHOTS
from tests.support.fake_ghn import ghn_on
from tests.support.fake_momo import momo_on
from tests.support.fake_vnpay import vnpay_on

pytestmark = pytest.mark.browser

TOTAL = 225000  # 200.000 ₫ of tea + 25.000 ₫ GHN quoted for 1.200 g within Hà Nội


@pytest.fixture
def site(app, live_server):
    """The live server is the site's own address (return URLs and MoMo's ipnUrl are built from PUBLIC_URL)."""
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield live_server
    app.config["PUBLIC_URL"] = saved


@pytest.fixture
def carrier(app, site):
    """GHN's fake on a loopback port, its callbacks sent over HTTP to the live server."""
    with ghn_on(app, webhook_url=f"{site}/webhooks/ghn") as fake:
        yield fake


@pytest.fixture
def gateway(request, app, site):
    """The fake of the gateway named by the test's parameter, sending its IPNs to the live server over HTTP."""
    if request.param == "vnpay":
        with vnpay_on(app, ipn_url=f"{site}/webhooks/vnpay/ipn") as fake:
            yield "vnpay", fake
    else:
        with momo_on(app) as fake:
            yield "momo", fake


@pytest.fixture
def producer_and_product():
    """A tea cooperative of Hà Nội with its pick-up address, a member who sells for it, and a 1.2 kg product."""
    entity = make_entity("HTX Chè Shan tuyết Ba Đình", province_code="01")
    product = make_listed("Chè Shan tuyết Ba Đình", price_vnd=200000, stock=5, entity=entity)
    db.session.add(ShippingProfile(entity_id=entity.id, ward_code="00004", address="12 Phan Đình Phùng",
                                   phone="0987654321"))
    db.session.scalar(select(Listing).where(Listing.product_id == product.id)).weight_g = 1200
    vendor = make_user("vendor", email="htx@shantuyet.example", entity=db.session.get(Entity, entity.id))
    db.session.commit()
    return vendor, product


def fits(page):
    """Nothing scrolls sideways on the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def shot(page, name):
    """Keep a screenshot of this step under test-results/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"gateway-delivery-{name}.png"), full_page=True)


def buy(page, site, method):
    """Search, open the product, put it in the basket and check out to Hoàn Kiếm paying with ``method``."""
    page.goto(site)
    page.fill("#header-q", "chè shan tuyết")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search?**")
    page.locator("section.results article.card a").first.click()
    page.wait_for_url("**/p/**")
    page.locator("form.buy-form button[type=submit]").first.click()
    page.wait_for_url("**/cart")
    page.goto(f"{site}/checkout")
    page.fill("#name", "Trần Thị Mai")
    page.fill("#email", "mai@test.example")
    page.fill("#phone", "0912345678")
    page.select_option("#province", "01")
    # The wards arrive by fetch; wait on the option itself (a string predicate would need eval, which CSP forbids).
    page.locator("select#ward option", has_text="Phường Hoàn Kiếm").wait_for(state="attached")
    page.select_option("#ward", label="Phường Hoàn Kiếm")
    expect(page.locator("input[name=quoted]")).to_have_value("25000")  # GHN's fake priced the parcel
    assert "225.000" in page.locator(".checkout-total").inner_text()
    page.fill("#address", "5 Hàng Trống")
    page.check(f"input[name=payment_method][value={method}]")
    fits(page)
    page.locator("button.checkout-submit").click()


def pay(page, site, method, fake):
    """On the gateway's page (labelled simulation): pay, come back through the return page to the order page."""
    page.wait_for_url(f"{fake.base_url}/**")
    body = page.locator("body").inner_text()
    assert "SIMULATION" in body and f"{TOTAL:,} VND" in body
    shot(page, f"{method}-1-gateway")
    page.locator("button[value=pay]").click()
    page.wait_for_url(f"{site}/payments/{method}/return?**")
    assert fake.ipn_answers and fake.ipn_answers[0][1][0] in (200, 204)
    expect(page.locator(".gateway-return .status-pill.ok")).to_be_visible()
    page.locator(".gateway-return a.button").click()
    page.wait_for_url("**/orders/OCOP-**")
    expect(page.locator(".status-pill.ok").first).to_have_text("Đã thanh toán")
    paid = {"vnpay": "Đã thanh toán qua VNPay", "momo": "Đã thanh toán bằng MoMo"}[method]
    expect(page.locator(".payment-state")).to_contain_text(paid)
    fits(page)
    shot(page, f"{method}-2-paid")


def sign_in(page, site, user):
    """Sign ``user`` in through the login form."""
    page.goto(f"{site}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def hand_over(page, site, method):
    """The producer confirms the paid order, hands it to GHN, and opens the carrier's label; returns its code."""
    page.goto(f"{site}/vendor/#orders")
    card = page.locator(".vendor-order").first
    expect(card.locator(".status-pill")).to_have_text("Đã thanh toán")
    expect(card.locator(".vendor-order-total")).to_contain_text("225.000")
    expect(card).to_contain_text({"vnpay": "VNPay", "momo": "MoMo"}[method])
    card.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    card = page.locator(".vendor-order").first
    expect(card.locator(".status-pill")).to_have_text("Đang chuẩn bị hàng")
    expect(card.locator("form.carrier-ship .hint")).to_have_text(
        "Đã thanh toán trực tuyến: đơn vị vận chuyển không thu tiền.")
    card.locator("form.carrier-ship button[type=submit]").click()  # "Giao cho đơn vị vận chuyển"
    page.wait_for_load_state()
    card = page.locator(".vendor-order").first
    expect(card.locator(".status-pill")).to_have_text("Đang giao")
    code = card.locator(".vendor-tracking").inner_text().split("·")[1].strip()
    fits(page)
    shot(page, f"{method}-3-handed-over")
    with page.expect_popup() as opened:
        card.locator("a.vendor-label").click()  # "In nhãn vận chuyển"
    label = opened.value
    label.wait_for_load_state()
    text = label.locator("body").inner_text()
    assert "SIMULATION" in text and code in text and "Trần Thị Mai" in text and "Thu hộ (COD): 0 ₫" in text
    label.close()
    return code


#: When the carrier's desk moves the parcel on: (days after the order, Vietnam time, desk button).
CARRIED = ((1, time(8, 0), "picked"), (1, time(15, 30), "transporting"), (2, time(16, 0), "delivered"))


def carry(browser, carrier, code, frozen_clock):
    """The carrier's desk moves the parcel on (GHN's callbacks over HTTP): picked up, in transit, delivered."""
    desk = browser.new_page(viewport=PHONE, locale="vi-VN")
    desk.goto(f"{carrier.base_url}/")
    assert "SIMULATION" in desk.locator("body").inner_text()
    ordered_on = frozen_clock.now().date()
    for days, at, step in CARRIED:
        frozen_clock.set(ordered_on + timedelta(days=days), at)
        desk.locator(f"#order-{code} button[value={step}]").click()
        desk.wait_for_load_state()
    expect(desk.locator(f"#order-{code} .status")).to_have_text("delivered")
    desk.close()


@pytest.mark.parametrize("gateway", ["vnpay", "momo"], indirect=True)
def test_paid_through_the_gateway_then_carried_to_the_door(browser, site, gateway, carrier, producer_and_product,
                                                           frozen_clock):
    method, fake = gateway
    vendor, _product = producer_and_product
    frozen_clock.current = datetime.now(clock.TIMEZONE)  # today, so the order's own times and the carrier's agree
    ordered_on = frozen_clock.now().date()

    buyer = browser.new_page(viewport=PHONE, locale="vi-VN")
    buy(buyer, site, method)
    pay(buyer, site, method, fake)
    order_page = buyer.url

    producer = browser.new_page(viewport=PHONE, locale="vi-VN")
    sign_in(producer, site, vendor)
    code = hand_over(producer, site, method)
    db.session.rollback()  # read what the server committed
    assert carrier.orders[code]["cod_amount"] == 0  # paid online: the carrier collects nothing

    carry(browser, carrier, code, frozen_clock)
    assert [answer[0] for _payload, answer in carrier.callbacks] == [200, 200, 200, 200]  # storing too
    picked = carrier.callbacks[0][0]
    replayed = carrier.send(picked)  # GHN sends "picked" again: the app answers 200, and changes nothing
    assert replayed[0] == 200 and "duplicate" in replayed[1]
    sent = fake.ipn_answers[0][0]
    assert fake.send_ipn(sent["vnp_TxnRef"] if method == "vnpay" else sent["orderId"], sent)[0] in (200, 204)

    producer.reload()
    card = producer.locator(".vendor-order").first
    expect(card.locator(".status-pill")).to_have_text("Đã giao")
    expect(card.locator(".carrier-status")).to_have_text("Đã giao")
    fits(producer)
    shot(producer, f"{method}-4-producer-delivered")

    buyer.goto(order_page)
    expect(buyer.locator(".status-pill.ok").first).to_have_text("Đã giao")
    steps = buyer.locator("ol.timeline .step")
    expect(steps.locator(".step-label")).to_have_text([
        "Đã đặt hàng", "Đã xác nhận, đang chuẩn bị", "Đã giao cho đơn vị vận chuyển",
        "Đơn vị vận chuyển đã lấy hàng", "Đang vận chuyển", "Đã giao"])
    expect(buyer.locator("ol.timeline .step.done")).to_have_count(6)
    expect(steps.nth(2).locator(".tracking")).to_contain_text(code)
    for index, (days, at, _step) in zip((3, 4, 5), CARRIED, strict=True):  # the carrier's times, Vietnam time
        expect(steps.nth(index)).to_contain_text(f"{ordered_on + timedelta(days=days):%d/%m} {at:%H:%M}")
    fits(buyer)
    shot(buyer, f"{method}-5-buyer-delivered")

    db.session.rollback()
    order = db.session.scalar(select(Order))
    part = db.session.scalar(select(VendorOrder))
    payment = db.session.scalar(select(Payment))
    shipment = db.session.scalar(select(Shipment))
    assert (order.payment_method, order.status, order.total_vnd) == (method, "delivered", TOTAL)
    assert (part.status, part.tracking_number, shipment.cod_vnd) == ("delivered", code, 0)
    assert db.session.scalar(select(func.count(Payment.id))) == 1  # no COD payment for a parcel paid online
    assert (payment.status, payment.amount_vnd) == ("succeeded", TOTAL)
    captures = db.session.scalars(select(PaymentEvent.to_status).where(PaymentEvent.payment_id == payment.id)).all()
    assert captures.count("succeeded") == 1
    moves = db.session.scalars(select(OrderEvent.to_status).where(OrderEvent.vendor_order_id == part.id)
                               .order_by(OrderEvent.id)).all()
    assert moves == ["paid", "processing", "shipped", "delivered"]
    events = db.session.execute(select(CarrierEvent.status, CarrierEvent.outcome).where(
        CarrierEvent.order_code == code).order_by(CarrierEvent.id)).all()
    assert [status for status, _outcome in events] == ["picked", "storing", "transporting", "delivered"]
    assert events[-1].outcome == "delivered"
    assert shipment.picked_up_at < shipment.in_transit_at < shipment.delivered_at
