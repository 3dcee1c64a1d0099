"""The seller box on product and entity pages, and the owner's contact on the vendor profile page (#15 part 3)."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Certificate, Entity
from marketplace.web.storefront.seller import former_names
from tests.factories import make_certificate, make_entity, make_listed, make_product, make_user


def page_of(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def seller_box(page):
    start = page.index('<section class="seller-box"')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def seller(frozen_clock):
    """A household business in Lâm Đồng whose decision still names Đắk Nông, with a contact and one listed product."""
    entity = make_entity("Hộ kinh doanh Cà phê Đắk Mil", entity_type="household_business", province_code="68",
                         tax_code="6400123456", business_registration_number="63A8001234",
                         address="Thôn 5, xã Đắk Mil, tỉnh Đắk Nông", contact_phone="0912345678",
                         contact_email="caphe@dakmil.example")
    product = make_listed("Cà phê Robusta Đắk Mil", stars=4, entity=entity, criteria_set_code="11")
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    return entity, product, certificate


def test_product_page_shows_every_fact_of_the_seller(client, seller):
    entity, product, certificate = seller
    box = seller_box(page_of(client.get(f"/p/{product.slug}")))
    assert "Hộ kinh doanh Cà phê Đắk Mil" in box and f'href="/e/{entity.slug}"' in box
    assert "Hộ kinh doanh</dd>" in box  # the type, translated
    assert "6400123456" in box and "63A8001234" in box
    assert "Thôn 5, xã Đắk Mil, tỉnh Đắk Nông" in box and "Tỉnh Lâm Đồng" in box
    assert "Đắk Nông" in box.split("Tỉnh Lâm Đồng", 1)[1]  # the old province, named after the current one
    assert 'href="tel:0912345678"' in box and 'href="mailto:caphe@dakmil.example"' in box
    assert certificate.number in box and f'href="/verify/{certificate.code}"' in box
    assert 'class="stars stars-4"' in box
    assert "2029" in box  # valid until, 36 months after 2026-08-15


def test_seller_box_in_english(client, seller):
    _entity, product, certificate = seller
    box = seller_box(page_of(client.get(f"/p/{product.slug}?lang=en")))
    assert "Household business</dd>" in box and "Tax code" in box and "Business registration number" in box
    assert "formerly Đắk Nông, before 1 July 2025" in box
    assert f"No. {certificate.number}, valid until" in box


def test_entity_page_shows_the_seller_and_its_valid_certificates_only(client, seller, frozen_clock):
    entity, product, certificate = seller
    lapsed = make_product("Cà phê rang xay hết hạn", entity=entity)
    old = make_certificate(lapsed, valid_from=date(2020, 1, 1))
    db.session.commit()
    box = seller_box(page_of(client.get(f"/e/{entity.slug}")))
    for fact in ("Hộ kinh doanh Cà phê Đắk Mil", "6400123456", "63A8001234", "tỉnh Đắk Nông", "Tỉnh Lâm Đồng",
                 "0912345678", "caphe@dakmil.example", certificate.number, f"/verify/{certificate.code}",
                 "Cà phê Robusta Đắk Mil"):
        assert fact in box, fact
    assert old.number not in box


def test_missing_facts_are_said_or_left_out(client, frozen_clock):
    entity = make_entity("HTX Chưa Khai Báo", province_code="19")
    product = make_product("Miến dong chưa có chứng nhận", entity=entity)
    db.session.commit()
    box = seller_box(page_of(client.get(f"/p/{product.slug}")))
    assert box.count("<dt>") == 5  # name, type, "no tax code yet", address, certificate
    assert "tel:" not in box and "mailto:" not in box and "/verify/" not in box
    assert box.split("Tỉnh Thái Nguyên", 1)[1].startswith("</dd>")  # no former name
    entity_box = seller_box(page_of(client.get(f"/e/{entity.slug}")))
    assert "/verify/" not in entity_box


@pytest.mark.parametrize(("code", "addresses", "expected"), [
    ("68", ["Thôn 5, xã Đắk Mil, tỉnh Đắk Nông"], ["Đắk Nông"]),
    ("68", ["Xã Tuy Phong, Bình Thuận"], ["Bình Thuận"]),
    ("68", ["Phường 1, Đà Lạt, Lâm Đồng"], []),
    ("46", ["Xã Phong Điền, Tỉnh Thừa Thiên Huế"], ["Thừa Thiên Huế"]),
    ("08", ["Phường Hà Giang 1, Tuyên Quang"], []),
    ("68", [None, ""], []),
    ("68", ["tỉnh Đắk Nông", "xa Tuy Phong, tinh Binh Thuan"], ["Đắk Nông", "Bình Thuận"]),
])
def test_former_province_names_only_where_the_address_uses_them(code, addresses, expected):
    assert former_names(provinces()[code], *addresses) == expected


def test_product_page_query_count_is_unchanged_by_the_seller_box(client, seller, count_queries):
    _entity, product, _certificate = seller
    with count_queries() as counter:
        page_of(client.get(f"/p/{product.slug}?lang=en"))
    assert not [s for s in counter.statements if "FROM entity" in s and "JOIN" not in s]


def test_owner_edits_the_contact_and_it_is_audited(client, seller):
    entity, product, _certificate = seller
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    assert "0912345678" in page_of(client.get("/vendor/profile"))
    response = client.post_form("/vendor/profile", {"contact_phone": "+84 263 3812 345",
                                                    "contact_email": "ban.hang@dakmil.example"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Entity, entity.id)
    assert (saved.contact_phone, saved.contact_email) == ("02633812345", "ban.hang@dakmil.example")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "entity.contact_updated"))
    assert entry.before == {"contact_phone": "0912345678", "contact_email": "caphe@dakmil.example"}
    assert entry.actor == owner.email and entry.province_code == "68"
    assert "ban.hang@dakmil.example" in seller_box(page_of(client.get(f"/p/{product.slug}")))


def test_contact_can_be_emptied_but_not_filled_with_nonsense(client, seller):
    entity, _product, _certificate = seller
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    response = client.post_form("/vendor/profile", {"contact_phone": "gọi tôi", "contact_email": "không phải"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "0912345678" in page or "field-error" in page
    db.session.expire_all()
    assert db.session.get(Entity, entity.id).contact_phone == "0912345678"
    assert client.post_form("/vendor/profile", {"contact_phone": "", "contact_email": ""}).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Entity, entity.id)
    assert (saved.contact_phone, saved.contact_email) == (None, None)


def test_legal_facts_are_not_the_vendors_to_change(client, seller):
    entity, _product, _certificate = seller
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    client.post_form("/vendor/profile", {"contact_phone": "0912345678", "name": "Tên khác", "tax_code": "1",
                                         "business_registration_number": "2", "address": "Nơi khác"})
    db.session.expire_all()
    saved = db.session.get(Entity, entity.id)
    assert (saved.name, saved.tax_code, saved.business_registration_number, saved.address) == (
        "Hộ kinh doanh Cà phê Đắk Mil", "6400123456", "63A8001234", "Thôn 5, xã Đắk Mil, tỉnh Đắk Nông")


def test_staff_read_the_profile_but_only_the_owner_changes_it(client, seller):
    entity, _product, _certificate = seller
    staff = make_user("vendor", entity=entity, member_role="staff")
    db.session.commit()
    client.login_as(staff)
    page = page_of(client.get("/vendor/profile"))
    assert "0912345678" in page and 'name="contact_phone"' not in page
    assert client.post_form("/vendor/profile", {"contact_phone": "0987654321"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Entity, entity.id).contact_phone == "0912345678"
