"""A guest on a 360 × 780 phone pays through VNPay, then through MoMo, each served by its fake on a loopback port,
to a paid order: checkout → our page sends the browser on → the gateway's page (labelled simulation) → Pay → the
gateway's IPN reaches the app over HTTP → the return page → the order page, paid."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.models import Payment
from marketplace.shop.orders.models import Order
from tests.factories import make_listed
from tests.support.browser import PHONE, SCREENSHOTS
from tests.support.fake_momo import momo_on
from tests.support.fake_vnpay import vnpay_on

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    """A chromium page at 360 × 780, like a small Android phone."""
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    yield page
    page.close()


@pytest.fixture
def site(app, live_server):
    """The live server is the site's own address (return URLs and MoMo's ipnUrl are built from PUBLIC_URL)."""
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield live_server
    app.config["PUBLIC_URL"] = saved


@pytest.fixture
def gateway(request, app, site):
    """The fake of the gateway named by the test's parameter, sending its IPNs to the live server over HTTP."""
    if request.param == "vnpay":
        with vnpay_on(app, ipn_url=f"{site}/webhooks/vnpay/ipn") as fake:
            yield "vnpay", fake
    else:
        with momo_on(app) as fake:
            yield "momo", fake


def checkout(page, site, product, method):
    """Put ``product`` in the basket and check out as a guest paying with ``method``."""
    page.goto(f"{site}/p/{product.slug}")
    page.locator("form.buy-form button[type=submit]").first.click()
    page.wait_for_url("**/cart")
    page.goto(f"{site}/checkout")
    page.fill("#name", "Nguyễn Thị Khách")
    page.fill("#email", "khach@test.example")
    page.fill("#phone", "0903123456")
    page.select_option("#province", "48")
    page.locator("select#ward option").nth(90).wait_for(state="attached")  # wards arrive by fetch
    page.select_option("#ward", label="Phường Hải Châu")
    page.fill("#address", "1 Bạch Đằng")
    page.check(f"input[name=payment_method][value={method}]")
    page.locator("button.checkout-submit").click()


@pytest.mark.parametrize("gateway", ["vnpay", "momo"], indirect=True)
def test_a_guest_pays_through_the_gateway_to_a_paid_order(phone, site, gateway, frozen_clock):
    method, fake = gateway
    product = make_listed("Cà phê Buôn Ma Thuột", price_vnd=180000, stock=5)
    db.session.commit()
    checkout(phone, site, product, method)

    # Our page sends the browser on to the gateway's own page (a form may not redirect off the site).
    phone.wait_for_url(f"{fake.base_url}/**")
    assert "SIMULATION" in phone.locator("body").inner_text()
    assert "210,000 VND" in phone.locator("body").inner_text()  # 180.000 ₫ + 30.000 ₫ shipping
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / f"gateway-{method}-1-page.png"), full_page=True)
    phone.locator("button[value=pay]").click()

    # The gateway notified the app (IPN over HTTP), then sent the buyer back to the return page.
    phone.wait_for_url(f"{site}/payments/{method}/return?**")
    assert fake.ipn_answers and fake.ipn_answers[0][1][0] in (200, 204)
    assert phone.locator(".gateway-return .status-pill.ok").is_visible()
    phone.screenshot(path=str(SCREENSHOTS / f"gateway-{method}-2-return.png"), full_page=True)
    phone.locator(".gateway-return a.button").click()
    phone.wait_for_url("**/orders/OCOP-**")
    assert phone.locator(".status-pill.ok").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    db.session.rollback()  # read what the server committed
    order = db.session.scalar(select(Order))
    payment = db.session.scalar(select(Payment))
    assert (order.payment_method, order.status, payment.status) == (method, "paid", "succeeded")
    assert order.total_vnd == 210000 and payment.amount_vnd == 210000
