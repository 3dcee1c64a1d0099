"""Officers' and showroom staff's pages fit a 360 px phone: no sideways scrolling, actions within reach."""

from datetime import date, timedelta

import pytest

from marketplace.accounts import onboarding
from marketplace.extensions import db
from marketplace.showrooms.models import Placement, Showroom
from tests.factories import PASSWORD, make_certificate, make_entity, make_listing, make_product, make_user
from tests.support.browser import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def officer_world(frozen_clock):
    showroom = Showroom(name="Trung tâm giới thiệu sản phẩm OCOP tỉnh Thái Nguyên", province_code="19",
                        kind="transport_hub")
    db.session.add(showroom)
    db.session.flush()
    entity = make_entity("HỢP TÁC XÃ NÔNG NGHIỆP VÀ DỊCH VỤ TỔNG HỢP ĐÔNG ỨNG", province_code="19",
                         tax_code="4600000001")
    for n, (name, until) in enumerate([("Chè búp đặc biệt Tân Cương hộp thiếc 500 g", None),
                                       ("Nước mắm cá cơm truyền thống thượng hạng", date(2026, 12, 20))]):
        product = make_product(name, entity=entity)
        make_certificate(product, stars=4, valid_from=date(2025, 1, 1) + timedelta(days=n), valid_until=until)
        make_listing(product)
        db.session.add(Placement(showroom_id=showroom.id, product_id=product.id, status="displayed"))
    application = onboarding.apply_for_entity(make_user(), entity.name, "cooperative", "4600000001", "19",
                                              "xã Tân Cương", "0912345678")
    officer = make_user("officer", province_code="19", email="canbo@test.example")
    staff = make_user("showroom_staff", showroom_id=showroom.id, email="quay@test.example")
    db.session.commit()
    return {"showroom": showroom, "application": application, "officer": officer, "staff": staff}


def sign_in(page, live_server, user):
    """Sign ``user`` in through the form."""
    page.goto(live_server + "/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(live_server + "/")


def fits(page, name, *actions):
    """The page does not scroll sideways and every named action lies within the 360 px width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    for selector in actions:
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, selector)


def test_officer_pages_fit_a_phone(browser, live_server, officer_world):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server, officer_world["officer"])
    page.goto(live_server + "/officer/registry")
    fits(page, "officer-registry", ".stack-rows table tbody tr:first-child td:last-child .status-pill",
         ".stack-rows table tbody tr:first-child a")
    page.goto(live_server + "/officer/applications")
    fits(page, "officer-applications", ".stack-rows table tbody tr:first-child td:last-child")
    page.goto(live_server + f"/officer/applications/{officer_world['application'].id}")
    fits(page, "officer-application", "button[value=approve]", "button[value=reject]")
    page.close()


def test_showroom_board_fits_a_phone(browser, live_server, officer_world):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server, officer_world["staff"])
    page.goto(live_server + f"/showroom/{officer_world['showroom'].id}")
    fits(page, "showroom-board", "table.shelf tbody tr:first-child button", "#s-q")
    page.fill("#s-q", "nước mắm")
    page.locator("#lookup-form button[type=submit]").click()
    page.wait_for_url("**?q=**")
    fits(page, "showroom-lookup", "table.lookup-results tbody tr:first-child button")
    page.close()
