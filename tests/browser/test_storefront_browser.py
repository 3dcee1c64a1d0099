"""A real browser (Debian's chromium driven by Playwright) walks the storefront."""


import pytest

from tests.support.browser import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_home_language_province_product_screenshot(browser, live_server, catalogue):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Sản phẩm 5 sao cấp quốc gia").is_visible()

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="5-star national products").is_visible()

    page.locator("a[data-province='19']").click()
    page.wait_for_url("**/province/thai-nguyen")
    assert page.get_by_role("heading", level=1).inner_text() == "OCOP products of Thái Nguyên"
    cards = page.locator("article.card")
    assert cards.count() == 2
    assert "Nước mắm" not in page.locator("section.results").inner_text()

    page.get_by_role("link", name="Chè Đinh Tân Cương").first.click()
    page.wait_for_url("**/p/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Chè Đinh Tân Cương"
    assert "₫350,000" in page.locator(".price").inner_text()
    assert page.get_by_role("link", name="Verify this certificate").is_visible()

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "product-page-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_filter_form_and_verify_page(browser, live_server, catalogue):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page.goto(live_server + "/search")
    page.select_option("#f-province", "an-giang")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    page.wait_for_url("**province=an-giang**")
    assert page.locator("article.card").count() == 2
    page.get_by_role("link", name="Nước mắm Phú Quốc 40 độ đạm").click()
    page.get_by_role("link", name="Xác minh giấy chứng nhận này").click()
    page.wait_for_url("**/verify/**")
    assert "Còn hiệu lực" in page.locator(".verify-status").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "verify-desktop.png"), full_page=True)
    page.close()


def test_showroom_staff_look_up_a_code_and_see_a_revoked_product_flagged(browser, live_server, app):
    from datetime import date

    from marketplace.extensions import db
    from marketplace.showrooms.models import Placement, Showroom
    from tests.factories import PASSWORD, make_certificate, make_listing, make_product, make_user

    showroom = Showroom(name="Điểm OCOP Bát Tràng", province_code="01", kind="craft_village")
    db.session.add(showroom)
    db.session.flush()
    product = make_product("Bình gốm men rạn Bát Tràng", province_code="01")
    certificate = make_certificate(product, valid_from=date(2025, 1, 1), status="revoked",
                                   revoked_on=date(2026, 9, 1), revocation_reason="b) không còn đáp ứng tiêu chí")
    make_listing(product)
    db.session.add(Placement(showroom_id=showroom.id, product_id=product.id, status="displayed"))
    staff = make_user("showroom_staff", showroom_id=showroom.id, email="quay@test.example")
    db.session.commit()

    page = browser.new_page(viewport={"width": 412, "height": 915}, locale="vi-VN")
    page.goto(live_server + "/login")
    page.fill("#email", staff.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/showroom/")
    page.wait_for_url(f"**/showroom/{showroom.id}")
    page.fill("#s-q", certificate.code.lower())
    page.locator("#lookup-form").get_by_role("button", name="Kiểm tra").click()
    page.wait_for_url("**?q=**")
    row = page.locator("table.lookup-results tr.flag-revoked")
    assert row.count() == 1
    assert "Bình gốm men rạn Bát Tràng" in row.inner_text()
    assert "không còn đáp ứng tiêu chí" in row.inner_text()
    assert page.locator("table.shelf tr.flag-revoked").count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "showroom-lookup-revoked.png"), full_page=True)
    page.close()


def test_two_producers_one_basket_simulated_card_payment(browser, live_server, app):
    """Anonymous basket with two entities → sign in (basket kept) → simulated Stripe → paid → each entity
    sees its own part of the order."""
    from datetime import date

    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.shop.orders.models import Order
    from tests.factories import PASSWORD, make_certificate, make_entity, make_listing, make_product, make_user

    app.config["SIMULATED_PAYMENTS"] = True
    try:
        entities = [make_entity("HTX Chè Tân Cương", province_code="19"), make_entity("HTX Nước mắm Nam Ô")]
        products = []
        for entity, name in zip(entities, ("Chè búp Tân Cương", "Nước mắm cá cơm Nam Ô"), strict=True):
            product = make_product(name, entity=entity)
            make_certificate(product, valid_from=date(2025, 6, 1))
            make_listing(product, price_vnd=150000, stock=5)
            products.append(product)
        buyer = make_user("customer", email="mua@test.example")
        owners = [make_user("vendor", entity=entity, email=f"owner{n}@test.example")
                  for n, entity in enumerate(entities)]
        db.session.commit()

        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        for product in products:
            page.goto(f"{live_server}/p/{product.slug}")
            page.locator("form.buy-form button:not([name=buy_now])").click()
            page.wait_for_url("**/cart")
        assert page.locator("section.basket-group").count() == 2
        page.goto(live_server + "/login?next=/cart")
        page.fill("#email", buyer.email)
        page.fill("#password", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/cart")
        assert page.locator("section.basket-group").count() == 2  # the basket survived signing in
        page.locator("main a.button").click()
        page.wait_for_url("**/checkout")
        page.fill("#name", "Phạm Thị Mua")
        page.fill("#phone", "0912345678")
        page.select_option("#province", "48")
        page.wait_for_function("document.querySelectorAll('select#ward option').length > 90")
        page.select_option("#ward", label="Phường Hải Châu")
        page.fill("#address", "1 Bạch Đằng")
        page.locator("input[name=payment_method][value=card]").check()
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/payments/simulated/**")
        assert "MÔ PHỎNG" in page.locator("main").inner_text()  # the simulation is labelled as such
        page.locator("button[value=pay]").click()
        page.wait_for_url("**/orders/OCOP-**")
        order = db.session.scalar(select(Order))
        db.session.refresh(order)
        assert order.status == "paid"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "order-paid.png"), full_page=True)
        page.close()
        for owner in owners:
            vendor_page = browser.new_page(locale="vi-VN")
            vendor_page.goto(live_server + "/login")
            vendor_page.fill("#email", owner.email)
            vendor_page.fill("#password", PASSWORD)
            vendor_page.locator("main button[type=submit]").click()
            vendor_page.wait_for_url(live_server + "/")
            vendor_page.goto(live_server + "/vendor/")
            rows = vendor_page.locator("ul.vendor-orders li.vendor-order")
            assert rows.count() == 1 and order.reference in rows.inner_text()
            vendor_page.close()
    finally:
        app.config.pop("SIMULATED_PAYMENTS", None)


def test_vendor_on_a_phone_edits_a_price_publishes_and_finds_it_in_search(browser, live_server, app):
    from datetime import date

    from marketplace.extensions import db
    from tests.factories import PASSWORD, make_certificate, make_entity, make_product, make_user

    entity = make_entity("HTX Mắc ca Tuy Đức", province_code="68")
    product = make_product("Hạt mắc ca sấy nứt vỏ", entity=entity)
    make_certificate(product, valid_from=date(2025, 3, 1))
    owner = make_user("vendor", entity=entity, email="macca@test.example")
    db.session.commit()

    page = browser.new_page(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    page.goto(live_server + "/login")
    page.fill("#email", owner.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/vendor/")
    page.locator(f"a[data-product='{product.id}']").click()
    page.wait_for_url("**/listing")
    page.fill("#price_vnd", "275000")
    page.fill("#stock", "20")
    page.check("#published")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/vendor/")
    page.goto(live_server + "/search?q=mac+ca+say")
    card = page.locator("article.card", has_text="Hạt mắc ca sấy nứt vỏ")
    assert card.count() == 1
    assert "275.000" in card.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vendor-published-phone.png"), full_page=True)
    page.close()
