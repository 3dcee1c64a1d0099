"""On a 360 × 780 phone: a guest buys with cash on delivery, the shipping priced by GHN's fake for the ward chosen;
the producer hands the parcel to the carrier ("Giao cho đơn vị vận chuyển"), and the carrier's desk (the fake's
page, labelled simulation) delivers it: its callback reaches the app over HTTP and the order is delivered."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shipping.models import Shipment, ShippingProfile
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import PASSWORD, make_entity, make_listed, make_user
from tests.support.browser import PHONE, SCREENSHOTS
from tests.support.fake_ghn import ghn_on

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, live_server):
    """The live server is the site's own address."""
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield live_server
    app.config["PUBLIC_URL"] = saved


@pytest.fixture
def carrier(app, site):
    """GHN's fake on a loopback port, its callbacks sent over HTTP to the live server."""
    with ghn_on(app, webhook_url=f"{site}/webhooks/ghn") as fake:
        yield fake


def fits(page):
    """Nothing scrolls sideways on the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_parcel_goes_from_the_producer_to_delivered_through_the_carrier(browser, site, carrier, frozen_clock):
    product = make_listed("Chè Shan tuyết Ba Đình", price_vnd=200000, stock=5,
                          entity=make_entity("HTX Chè Ba Đình", province_code="01"))
    db.session.add(ShippingProfile(entity_id=product.entity_id, ward_code="00004", address="12 Phan Đình Phùng",
                                   phone="0987654321"))
    db.session.scalar(select(Listing).where(Listing.product_id == product.id)).weight_g = 1200
    vendor = make_user("vendor", email="htx@badinh.example", entity=db.session.get(Entity, product.entity_id))
    db.session.commit()
    SCREENSHOTS.mkdir(exist_ok=True)

    buyer = browser.new_page(viewport=PHONE, locale="vi-VN")
    buyer.goto(f"{site}/p/{product.slug}")
    buyer.locator("form.buy-form button[type=submit]").first.click()
    buyer.wait_for_url("**/cart")
    buyer.goto(f"{site}/checkout")
    buyer.fill("#name", "Trần Thị Mai")
    buyer.fill("#email", "mai@test.example")
    buyer.fill("#phone", "0912345678")
    buyer.select_option("#province", "01")
    buyer.locator("select#ward option").nth(50).wait_for(state="attached")  # wards arrive by fetch
    buyer.select_option("#ward", label="Phường Hoàn Kiếm")
    # The carrier priced the parcel for this ward: 1.200 g within Hà Nội.
    expect(buyer.locator("input[name=quoted]")).to_have_value("25000")
    assert "25.000" in buyer.locator(".checkout-review .shipping-fee").inner_text()
    assert "225.000" in buyer.locator(".checkout-total").inner_text()
    buyer.fill("#address", "5 Hàng Trống")
    buyer.check("input[name=payment_method][value=cod]")
    fits(buyer)
    buyer.screenshot(path=str(SCREENSHOTS / "carrier-1-checkout.png"), full_page=True)
    buyer.locator("button.checkout-submit").click()
    buyer.wait_for_url("**/orders/OCOP-**")

    producer = browser.new_page(viewport=PHONE, locale="vi-VN")
    producer.goto(f"{site}/login")
    producer.fill("#email", vendor.email)
    producer.fill("#password", PASSWORD)
    producer.locator("main button[type=submit]").click()
    producer.wait_for_load_state()
    producer.goto(f"{site}/vendor/#orders")
    producer.locator("form.carrier-ship button[type=submit]").click()  # "Giao cho đơn vị vận chuyển"
    producer.wait_for_load_state()
    assert producer.locator("a.vendor-label").is_visible()
    fits(producer)
    producer.screenshot(path=str(SCREENSHOTS / "carrier-2-handed-over.png"), full_page=True)

    db.session.rollback()  # read what the server committed
    code = db.session.scalar(select(Shipment.carrier_order_code))
    assert carrier.orders[code]["cod_amount"] == 225000
    desk = browser.new_page(viewport=PHONE, locale="vi-VN")
    desk.goto(f"{carrier.base_url}/")
    assert "SIMULATION" in desk.locator("body").inner_text()
    desk.locator(f"#order-{code} button[value=picked]").click()
    desk.wait_for_load_state()
    desk.locator(f"#order-{code} button[value=delivered]").click()
    desk.wait_for_load_state()
    assert desk.locator(f"#order-{code} .status").inner_text() == "delivered"
    assert all(answer[0] == 200 for _payload, answer in carrier.callbacks)

    producer.reload()
    card = producer.locator(".vendor-order").first
    assert "Đã giao" in card.locator(".status-pill").inner_text()
    fits(producer)
    producer.screenshot(path=str(SCREENSHOTS / "carrier-3-delivered.png"), full_page=True)
    buyer.reload()
    assert buyer.locator("ol.timeline .step.done").count() == 6  # placed … picked up, on its way, delivered
    db.session.rollback()
    order = db.session.scalar(select(Order))
    part = db.session.scalar(select(VendorOrder))
    assert (order.status, part.status, part.tracking_number) == ("delivered", "delivered", code)
