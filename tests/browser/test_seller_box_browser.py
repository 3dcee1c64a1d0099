"""The seller box and the policy pages fit a phone's screen (360 px) without scrolling sideways."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Product
from tests.factories import make_entity, make_listed
from tests.support.browser import PHONE


def test_seller_box_and_policies_fit_a_phone(browser, live_server, frozen_clock):
    entity = make_entity("Hợp tác xã Nông nghiệp Dịch vụ Tổng hợp Cà phê Đắk Mil Xanh", province_code="68",
                         tax_code="6400123456", business_registration_number="63A8001234",
                         address="Thôn 5, xã Đắk Mil, huyện Đắk Mil, tỉnh Đắk Nông",
                         contact_phone="0912345678", contact_email="hoptacxa.caphe.dakmil.xanh.banhang@example.com")
    make_listed("Cà phê Robusta rang mộc Đắk Mil", stars=4, entity=entity)
    db.session.commit()
    slug = db.session.scalar(select(Product.slug))
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    for path in (f"/p/{slug}", f"/e/{entity.slug}", "/policies/delivery", "/policies/privacy"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(live_server + f"/p/{slug}")
    box = page.locator(".seller-box")
    assert box.get_by_role("link", name="0912345678").is_visible()
    assert "6400123456" in box.inner_text()
    page.close()
