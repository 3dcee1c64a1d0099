"""A real phone browser (360×780): the English a shopper chose survives pages, signing in and signing out."""

import pytest

from marketplace.extensions import db
from tests.factories import PASSWORD, make_user
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def test_english_is_kept_across_pages_sign_in_and_sign_out(browser, live_server, catalogue):
    make_user("customer", email="mai@test.example")
    db.session.commit()
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    page.locator("a[data-province='19']").click()
    page.wait_for_url("**/province/thai-nguyen")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("link", name="Sign in").first.click()
    page.fill("#email", "mai@test.example")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/province/thai-nguyen")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Wishlist").is_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "language-after-sign-in-phone.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.close()


def test_the_footer_verify_form_and_no_horizontal_scroll_on_a_phone(browser, live_server, catalogue):
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/policies/returns")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#footer-code", "nothing1")
    page.locator(".footer-verify button").click()
    page.wait_for_url("**/verify/N0TH1NG1")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(live_server + "/")
    page.screenshot(path=str(SCREENSHOTS / "footer-phone.png"), full_page=True)
    page.close()
