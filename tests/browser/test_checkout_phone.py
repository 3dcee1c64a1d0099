"""On a 360 × 780 phone: a guest checks out, picks the ward from the province's official list, sees the confirmation."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.orders.models import Order
from tests.factories import make_listed
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    """A chromium page at 360 × 780, like a small Android phone."""
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    yield page
    page.close()


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
    phone.locator("select#ward option").nth(90).wait_for(state="attached")  # wards arrive by fetch
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
