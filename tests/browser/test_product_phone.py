"""The product page on a 360×780 phone: buy buttons in the first screen and legible, a swipeable gallery, "Mua ngay"."""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog import photos
from marketplace.shop.catalog.models import Listing
from tests.factories import PASSWORD, make_entity, make_listed, make_user
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


#: Contrast ratio (WCAG 2) of a button's text against its own background, from the computed styles.
CONTRAST = """(el) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let node = el, bg = getComputedStyle(node).backgroundColor;
  while (node && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) { node = node.parentElement;
    bg = node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)"; }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def picture(colour, size=(1200, 900)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(buffer, filename="photo.png")


@pytest.fixture
def tea(app, frozen_clock, tmp_path):
    """A listed tea with three real photos, and a customer."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    product = make_listed("Chè Đinh Tân Cương", stars=5, price_vnd=350000,
                          entity=make_entity("HTX Chè Hảo Đạt", province_code="19"))
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    for colour in ((22, 101, 52), (180, 83, 9), (30, 64, 175)):
        photos.add_image(listing, picture(colour))
    buyer = make_user("customer", name="Nguyễn Thị Lan")
    db.session.commit()
    yield product, buyer
    app.config.pop("MEDIA_DIR", None)


def sign_in(page, server, user):
    page.goto(server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_buy_buttons_are_in_the_first_screen_and_legible(browser, live_server, tea):
    product, _buyer = tea
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(f"{live_server}/p/{product.slug}")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "product-buy-phone.png"))
    for name in ("buy-add", "buy-now"):
        button = page.locator(f"button.{name}")
        box = button.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], name
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
        assert box["height"] >= 44
        assert button.evaluate(CONTRAST) >= 4.5, name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing overflows sideways
    assert page.get_by_role("button", name="Thêm vào giỏ hàng").is_visible()
    page.close()


def test_gallery_swipes_one_photo_at_a_time(browser, live_server, tea):
    product, _buyer = tea
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(f"{live_server}/p/{product.slug}")
    track = page.locator(".gallery-track")
    count = page.locator("[data-gallery-count]")
    assert count.is_visible() and count.inner_text() == "1 / 3"
    assert not page.locator(".gallery-thumbs").is_visible()  # thumbnails are for wider screens
    width = track.evaluate("el => el.clientWidth")
    box = track.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(width * 0.7, 0)  # a partial swipe snaps to the next photo
    page.wait_for_function("() => document.querySelector('[data-gallery-count]').textContent === '2 / 3'")
    page.wait_for_function(f"() => Math.abs(document.querySelector('.gallery-track').scrollLeft - {width}) < 2",
                           timeout=3000)
    page.close()


def test_thumbnails_on_desktop_show_the_chosen_photo(browser, live_server, tea):
    product, _buyer = tea
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page.goto(f"{live_server}/p/{product.slug}")
    thumbs = page.locator("[data-gallery-thumb]")
    assert thumbs.count() == 3 and thumbs.nth(2).is_visible()
    before = page.evaluate("window.scrollY")
    thumbs.nth(2).click()
    page.wait_for_function("() => { const t = document.querySelector('.gallery-track');"
                           " return Math.abs(t.scrollLeft - 2 * t.clientWidth) < 2; }", timeout=3000)
    assert thumbs.nth(2).get_attribute("aria-current") == "true"
    assert page.evaluate("window.scrollY") == before  # the strip moved, not the page
    page.close()


def test_buy_now_lands_on_checkout_with_the_product(browser, live_server, tea):
    product, buyer = tea
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    sign_in(page, live_server, buyer)
    page.goto(f"{live_server}/p/{product.slug}")
    page.locator("button[name=buy_now]").click()  # "Mua ngay" once the lead merges the strings
    page.wait_for_url("**/checkout")
    assert page.get_by_role("button", name="Đặt hàng").is_visible()
    page.close()
    db.session.rollback()  # read what the server committed
    (line,) = db.session.scalars(select(CartLine)).all()
    assert (line.listing_id, line.quantity) == (listing_id, 1)
