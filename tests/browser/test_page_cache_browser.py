"""A real browser buys from a page served out of the page cache: the page's script fills in the visitor's bits."""

import pytest

from marketplace.core import pagecache

pytestmark = pytest.mark.browser


@pytest.fixture
def cached(app):
    """The page cache on (the suite runs with it off), empty."""
    app.config["PAGE_CACHE"] = "on"
    pagecache.clear()
    yield
    app.config["PAGE_CACHE"] = "off"


def test_a_second_visitor_adds_to_the_basket_from_a_cached_page(browser, live_server, catalogue, cached):
    url = f"{live_server}/p/{catalogue['che'].slug}"
    first = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    assert first.new_page().goto(url).headers["x-page-cache"] == "miss"  # cold: rendered and stored
    first.close()

    visitor = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = visitor.new_page()
    answer = page.goto(url)
    assert answer.headers["x-page-cache"] == "hit"  # warm: the stored page, made for nobody in particular
    assert page.locator(".basket-count").count() == 0
    page.wait_for_function("document.querySelector('form.buy-form input[name=csrf_token]').value !== ''")
    page.locator("form.buy-form button.buy-add").click()
    page.wait_for_url("**/cart")
    page.goto(f"{live_server}/")
    assert page.locator(".basket-count").inner_text() == "1"
    assert page.goto(f"{live_server}/checkout").status == 200
    assert page.locator("form").filter(has=page.locator("input[name=csrf_token]")).count() >= 1
    visitor.close()


def test_without_javascript_the_basket_asks_to_confirm_then_adds(browser, live_server, catalogue, cached):
    url = f"{live_server}/p/{catalogue['che'].slug}"
    browser.new_page().goto(url)  # warm
    visitor = browser.new_context(java_script_enabled=False, locale="en-US")
    page = visitor.new_page()
    assert page.goto(url).headers["x-page-cache"] == "hit"
    page.locator("form.buy-form button.buy-add").click()
    assert page.get_by_role("heading", name="Confirm: add to your basket").is_visible()
    page.get_by_role("button", name="Add to basket").click()
    page.wait_for_url("**/cart")
    assert "Chè Đinh Tân Cương" in page.locator("main").inner_text()
    visitor.close()


def test_a_visitor_s_recently_viewed_is_kept_in_the_browser(browser, live_server, catalogue, cached):
    visitor = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = visitor.new_page()
    for name in ("che", "mam", "che"):
        page.goto(f"{live_server}/p/{catalogue[name].slug}")
    kept = page.evaluate("JSON.parse(localStorage.getItem('recentlyViewed'))")
    assert kept == [catalogue["che"].id, catalogue["mam"].id]
    visitor.close()
