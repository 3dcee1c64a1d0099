"""On a 360 × 780 phone: a guest checks out, picks the ward from the province's official list, sees the confirmation."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace.extensions import db
from marketplace.shop.orders.models import Order
from tests.factories import make_listed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = pytest.mark.browser


@pytest.fixture
def phone():
    """A chromium page at 360 × 780, like a small Android phone."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CHROMIUM_REQUIRED") or os.environ.get("CI"):
            pytest.fail("chromium is required here but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (only when chromium is there)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser.new_page(viewport={"width": 360, "height": 780})
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_guest_checkout_with_the_ward_picker_to_the_confirmation(phone, live_server, frozen_clock):
    product = make_listed("Cà phê Buôn Ma Thuột", price_vnd=180000, stock=5)
    db.session.commit()
    phone.goto(f"{live_server}/p/{product.slug}")
    phone.locator("form.buy-form button[type=submit]").first.click()
    phone.wait_for_url("**/cart")
    phone.goto(f"{live_server}/checkout")
    assert phone.locator("#phone").get_attribute("inputmode") == "tel"
    assert phone.locator("#province").input_value() == ""  # no province chosen for the buyer
    phone.fill("#name", "Nguyễn Thị Khách")
    phone.fill("#email", "khach@test.example")
    phone.fill("#phone", "+84 903 123 456")
    phone.select_option("#province", "48")
    phone.wait_for_function("document.querySelectorAll('select#ward option').length > 90")
    assert phone.locator("select#ward option").count() == 95  # Đà Nẵng's 94 wards, after "choose"
    phone.select_option("#ward", label="Phường Hải Châu")
    phone.fill("#address", "1 Bạch Đằng")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing overflows the phone's width
    phone.locator("button.checkout-submit").click()
    phone.wait_for_url("**/orders/OCOP-**")
    assert phone.locator(".order-placed").is_visible()
    order = db.session.scalar(select(Order))
    assert (order.user_id, order.ward_code, order.phone) == (None, "20242", "0903123456")
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "checkout-guest-confirmation-360.png"), full_page=True)
