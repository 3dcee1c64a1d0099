"""A buyer's whole journey on a 360 × 780 touch phone in Vietnamese, from an unaccented search to the order page.

Search "caphe" as buyers type it → "Lọc" sheet → a filter and its chip → a product with two real photos, swiped →
"Mua ngay" → guest checkout (phone written with spaces, province, then the ward list) → cash on delivery → the
confirmation with each producer's timeline. Every step is asserted on what the buyer sees and saved as
test-results/journey-*.png.
"""

import io

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.shop.catalog import photos
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_entity, make_listed
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser



def photo(colour):
    """A real PNG upload of one colour, as a vendor's phone would send it."""
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(buffer, filename="ca-phe.png", content_type="image/png")


@pytest.fixture
def coffees(app, frozen_clock, tmp_path):
    """Two listed coffees (one 4★ with two photos, one 3★) and a tea that an unaccented "caphe" must not find."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    robusta = make_listed("Cà phê Robusta Buôn Ma Thuột", stars=4, price_vnd=180000, stock=8, criteria_set_code="13",
                          entity=make_entity("HTX Cà phê Ea Tu", province_code="66"))
    make_listed("Cà phê Arabica Cầu Đất", stars=3, price_vnd=240000, criteria_set_code="13",
                entity=make_entity("HTX Nông nghiệp Cầu Đất", province_code="68"))
    make_listed("Chè Đinh Tân Cương", stars=5, price_vnd=350000, entity=make_entity("HTX Chè Hảo Đạt"))
    listing = db.session.scalar(select(Listing).where(Listing.product_id == robusta.id))
    photos.add_images(listing, [photo((92, 51, 23)), photo((22, 101, 52))])
    db.session.commit()
    yield robusta
    app.config.pop("MEDIA_DIR", None)


@pytest.fixture
def phone(browser):
    """A Vietnamese touch phone: 360 × 780, mobile viewport, touch events."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    yield context.new_page()
    context.close()


def snap(page, step):
    """Save what the buyer sees at this step."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{step}.png"))


def swipe_left(page, selector):
    """A real touch swipe from right to left across ``selector``: finger down, moved in steps, lifted."""
    box = page.locator(selector).bounding_box()
    y = box["y"] + box["height"] / 2
    start, end = box["x"] + box["width"] * 0.85, box["x"] + box["width"] * 0.15
    session = page.context.new_cdp_session(page)
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start, "y": y}]})
    for step in range(1, 11):
        x = start + (end - start) * step / 10
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def test_a_guest_finds_filters_swipes_buys_and_sees_the_timeline(phone, live_server, coffees):
    page = phone
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "vi"

    # 1. Search typed without accents and run together, as buyers do.
    page.fill("#header-q", "caphe")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search?**q=caphe**")
    cards = page.locator("section.results article.card")
    assert cards.count() == 2
    results = page.locator("section.results").inner_text()
    assert "Cà phê Robusta Buôn Ma Thuột" in results and "Cà phê Arabica Cầu Đất" in results
    assert "Chè" not in results
    assert cards.first.bounding_box()["y"] < PHONE["height"]  # results in the first screen
    snap(page, "1-search")

    # 2. Filters open in a sheet behind "Lọc"; one is applied and shows as a chip.
    assert not page.locator("#f-stars").is_visible()
    page.locator("summary.filter-toggle", has_text="Lọc").tap()
    assert page.locator("#f-stars").is_visible()
    snap(page, "2-filter-sheet")
    page.select_option("#f-stars", "4")
    page.get_by_role("button", name="Áp dụng bộ lọc").tap()
    page.wait_for_url("**min_stars=4**")
    assert "q=caphe" in page.url
    chips = page.locator("ul.chips a.chip:not(.chip-clear)")
    assert chips.count() == 1 and "4 sao trở lên" in chips.first.inner_text()
    assert cards.count() == 1 and "Robusta" in cards.first.inner_text()
    assert not page.locator("#f-stars").is_visible()  # the sheet is closed on the new page
    snap(page, "3-filter-chip")

    # 3. The product page: two photos, swiped one at a time.
    cards.first.get_by_role("link", name="Cà phê Robusta Buôn Ma Thuột").first.tap()
    page.wait_for_url(f"**/p/{coffees.slug}")
    assert page.get_by_role("heading", level=1).inner_text() == "Cà phê Robusta Buôn Ma Thuột"
    assert "Cà phê, ca cao" in page.locator("main").inner_text()  # its category, in the breadcrumb
    count = page.locator("[data-gallery-count]")
    assert count.is_visible() and count.inner_text() == "1 / 2"
    assert page.locator(".gallery-slide img").count() == 2
    page.wait_for_function("() => document.querySelector('.gallery-slide img').naturalWidth > 0")  # a real photo
    snap(page, "4-product")
    swipe_left(page, ".gallery-track")
    page.wait_for_function("() => document.querySelector('[data-gallery-count]').textContent === '2 / 2'")
    page.wait_for_function("() => { const t = document.querySelector('.gallery-track');"
                           " return Math.abs(t.scrollLeft - t.clientWidth) < 2; }", timeout=3000)
    snap(page, "5-gallery-swiped")

    # 4. "Mua ngay" goes straight to checkout with this product.
    buy_now = page.get_by_role("button", name="Mua ngay")
    box = buy_now.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # in the first screen
    buy_now.tap()
    page.wait_for_url("**/checkout")
    assert "Cà phê Ea Tu" in page.locator(".checkout-page form").inner_text()
    assert page.locator(".checkout-guest").is_visible()  # a guest may order without an account

    # 5. Guest checkout: contact, a phone with spaces, the province, then its ward list.
    page.fill("#name", "Trần Văn Khách")
    page.fill("#email", "khach.hanh.trinh@test.example")
    page.fill("#phone", "091 234 5678")
    assert page.locator("#phone").get_attribute("inputmode") == "tel"
    page.select_option("#province", "48")
    page.wait_for_function("document.querySelectorAll('select#ward option').length > 90")
    page.select_option("#ward", label="Phường Hải Châu")
    page.fill("#address", "12 Bạch Đằng")
    page.get_by_label("Thanh toán khi nhận hàng").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, "6-checkout")

    # 6. Place the cash-on-delivery order: the confirmation and each producer's timeline.
    page.get_by_role("button", name="Đặt hàng").tap()
    page.wait_for_url("**/orders/OCOP-**")
    placed = page.locator(".order-placed")
    assert placed.is_visible()
    assert page.get_by_role("heading", name="Cảm ơn bạn, đơn hàng đã được đặt").is_visible()
    assert "khach.hanh.trinh@test.example" in placed.inner_text()
    assert "Cà phê Robusta Buôn Ma Thuột" in page.locator(".order-part").inner_text()
    steps = page.locator("ol.timeline li.step")
    assert steps.count() >= 3
    assert steps.first.get_attribute("class") == "step done"  # placed: done; the rest still to come
    assert "step todo" in steps.last.get_attribute("class")
    assert "0912345678" in page.locator(".order-facts").inner_text()  # the phone as the carrier needs it
    page.locator("ol.timeline").scroll_into_view_if_needed()
    snap(page, "7-confirmation")

    db.session.rollback()  # read what the server committed
    order = db.session.scalar(select(Order))
    assert (order.user_id, order.payment_method, order.phone, order.ward_code) == (None, "cod", "0912345678", "20242")
    assert order.total_vnd >= 180000
