"""Search on a 360×780 phone: results in the first screen, filters behind "Lọc" (a sheet), chips that remove them."""

import pytest

from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser



def first_card_top(page):
    """Where the first result card starts, in CSS pixels from the top of the page."""
    return page.locator("section.results article.card").first.bounding_box()["y"]


def test_results_come_first_and_filters_open_in_a_sheet(browser, live_server, catalogue):
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    page.goto(live_server + "/search?min_stars=4")
    assert first_card_top(page) < PHONE["height"]
    assert not page.locator("#f-province").is_visible()
    chips = page.locator("ul.chips a.chip:not(.chip-clear)")
    assert chips.count() == 1 and "4 sao" in chips.first.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-phone-after.png"))

    page.locator("summary.filter-toggle", has_text="Lọc").click()
    assert page.locator("#f-province").is_visible()
    sheet = page.locator(".filter-sheet .filters").bounding_box()
    assert sheet["x"] >= 0 and sheet["x"] + sheet["width"] <= PHONE["width"] + 1
    page.screenshot(path=str(SCREENSHOTS / "search-phone-filter-sheet.png"))
    page.select_option("#f-province", "thai-nguyen")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    page.wait_for_url("**province=thai-nguyen**")
    assert chips.count() == 2
    assert not page.locator("#f-province").is_visible()  # the sheet is closed again on the new page

    page.locator("a.chip", has_text="Thái Nguyên").click()
    page.wait_for_url(lambda url: "province=" not in url)
    assert "min_stars=4" in page.url and chips.count() == 1
    page.locator("summary.filter-toggle").click()
    page.locator("[data-sheet-close]").click()
    assert not page.locator("#f-province").is_visible()
    page.close()


def test_the_filter_sheet_works_without_javascript(browser, live_server, catalogue):
    page = browser.new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(live_server + "/search?q=che")
    assert first_card_top(page) < PHONE["height"]
    assert not page.locator("#f-province").is_visible()
    page.locator("summary.filter-toggle").click()
    assert page.locator("#f-province").is_visible()
    page.close()


def test_desktop_keeps_the_filters_beside_the_results(browser, live_server, catalogue):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/search")
    assert page.locator("#f-province").is_visible()
    assert page.locator("#f-province").bounding_box()["x"] < first_card_top(page) + 400 < 2000
    assert page.locator(".filters").bounding_box()["x"] < page.locator("section.results").bounding_box()["x"]
    page.close()
