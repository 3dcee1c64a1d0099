"""On a 360 × 780 phone a buyer adds a delivery address in the account with the checkout's ward picker, then edits
it: the saved ward is chosen again, and nothing scrolls sideways."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import SavedAddress
from marketplace.extensions import db
from tests.factories import PASSWORD, make_user
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def wards_loaded(page):
    """Wait until the ward picker holds the province's list (a locator wait: the page's CSP forbids eval)."""
    page.locator("select#ward option").nth(90).wait_for(state="attached")


def test_a_buyer_adds_then_edits_an_address_on_a_phone(browser, live_server, frozen_clock):
    buyer = make_user("customer", email="hoa@test.example", name="Lê Thị Hoa")
    db.session.commit()
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/login")
    page.fill("#email", buyer.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server + "/account")
    page.locator("main a[href='/account/addresses/new']").first.click()
    page.wait_for_url("**/account/addresses/new")
    assert page.locator("#name").input_value() == "Lê Thị Hoa"
    page.fill("#phone", "0987 654 321")
    page.select_option("#province", "48")
    wards_loaded(page)
    page.select_option("#ward", label="Phường Hải Châu")
    page.fill("#address", "1 Bạch Đằng")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account/addresses")
    assert "1 Bạch Đằng, Phường Hải Châu, Đà Nẵng" in page.locator(".address-list").inner_text()
    saved = db.session.scalar(select(SavedAddress))
    assert (saved.ward_code, saved.phone, saved.is_default) == ("20242", "0987654321", True)
    page.locator(f"a[href='/account/addresses/{saved.id}/edit']").click()
    wards_loaded(page)
    assert page.locator("select#ward option:checked").inner_text() == "Phường Hải Châu"
    page.fill("#address", "3 Trần Phú")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/account/addresses")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    db.session.expire_all()
    assert db.session.get(SavedAddress, saved.id).address == "3 Trần Phú"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "account-addresses-360.png"), full_page=True)
    page.close()
