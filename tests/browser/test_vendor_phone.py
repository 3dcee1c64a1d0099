"""A producer confirms and ships an order on a 360 × 780 phone (Debian's chromium driven by Playwright): the page
never scrolls sideways and every action button is on screen."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.cart import services as cart_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import VendorOrder
from tests.factories import PASSWORD, make_entity, make_listed, make_user
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser
TODAY = date(2026, 11, 23)


def paid_order(app):
    """A card order for a long-named product, paid; returns (vendor, part)."""
    product = make_listed("Chè Shan tuyết cổ thụ Phìn Hồ hộp quà tặng cao cấp", price_vnd=1250000, stock=9,
                          entity=make_entity("Hợp tác xã Chè Shan tuyết Phìn Hồ Hoàng Su Phì"))
    vendor = make_user("vendor", email="htx@phinho.example", entity=db.session.get(Entity, product.entity_id))
    buyer = make_user("customer", email="an@test.example")
    cart = cart_services.get_or_create_cart(buyer, {})
    cart_services.add(cart, db.session.scalar(select(Listing.id).where(Listing.product_id == product.id)), 2, TODAY)
    contact = orders.Contact("Nguyễn Văn An", buyer.email, "0912345678", "79", "Phường Bến Nghé", "12 Lê Lợi")
    with app.test_request_context():
        order = orders.place_order(buyer, cart, cart_services.view(cart, TODAY, "79"), contact, "card", TODAY)
    orders.mark_paid(order, "stripe")
    db.session.commit()
    return vendor, db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))


def assert_fits(page, selector):
    """No sideways scrolling, and every element matching ``selector`` lies inside the 360 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = [page.locator(selector).nth(n).bounding_box() for n in range(page.locator(selector).count())]
    assert boxes, selector
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_a_vendor_confirms_and_ships_an_order_on_a_phone(browser, live_server, app, frozen_clock):
    vendor, part = paid_order(app)
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/login")
    page.fill("#email", vendor.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server + "/vendor/?lang=en#orders")
    card = page.locator(f"#part-{part.id}")
    assert "1 new" in page.locator(".vendor-unread").inner_text()
    assert "2 × Chè Shan tuyết" in card.inner_text() and "Nguyễn Văn An" in card.inner_text()
    assert_fits(page, f"#part-{part.id} .button")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vendor-dashboard-phone.png"), full_page=True)

    card.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    card = page.locator(f"#part-{part.id}")
    assert "Being prepared" in card.inner_text() and page.locator(".vendor-unread").count() == 0
    card.get_by_label("Carrier").fill("Viettel Post")
    card.get_by_label("Tracking number").fill("VTP123456789")
    assert_fits(page, f"#part-{part.id} .button, #part-{part.id} input:not([type=hidden])")
    card.get_by_role("button", name="Ship").click()
    page.wait_for_load_state()
    card = page.locator(f"#part-{part.id}")
    assert "Shipped" in card.inner_text() and "VTP123456789" in card.inner_text()
    assert card.get_by_role("button", name="Mark delivered").is_visible()
    assert_fits(page, f"#part-{part.id} .button")
    page.close()


def test_cancelling_on_a_phone_opens_a_confirmation_with_a_reason(browser, live_server, app, frozen_clock):
    vendor, part = paid_order(app)
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/login")
    page.fill("#email", vendor.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server + "/vendor/?lang=en#orders")
    card = page.locator(f"#part-{part.id}")
    confirm = card.get_by_role("button", name="Yes, cancel this order")
    assert not confirm.is_visible()
    card.locator("summary", has_text="Cancel").click()
    assert confirm.is_visible()
    confirm.click()  # no reason: the browser refuses the form
    assert db.session.get(VendorOrder, part.id).status == "paid"
    card.get_by_label("Why do you cancel this order? The buyer will read it.").fill("Hết hàng")
    assert_fits(page, f"#part-{part.id} .button, #part-{part.id} textarea")
    page.screenshot(path=str(SCREENSHOTS / "vendor-cancel-phone.png"), full_page=True)
    confirm.click()
    page.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == "cancelled"
    page.close()
