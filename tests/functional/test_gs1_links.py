"""A GS1 Digital Link on a package lands on its product's current certificate; GTINs kept by vendors and officers."""

import re
from datetime import date

from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from tests.factories import make_certificate, make_listed, make_listing, make_product, make_user

GTIN = "08931234567897"


def status_of(page):
    return re.search(r'class="verify-result status-(\w+)"', page).group(1)


def test_digital_link_lands_on_the_current_certificate(client, frozen_clock, app):
    product = make_product("Mật ong bạc hà Mèo Vạc", gtin=GTIN)
    old = make_certificate(product, stars=3, valid_from=date(2023, 1, 1))
    new = make_certificate(product, stars=4, valid_from=date(2026, 6, 1))
    make_listing(product)
    db.session.commit()
    for path in (f"/01/{GTIN}", "/01/8931234567897", f"/verify/01/{GTIN}", f"/01/{GTIN}/10/LOT-42?17=271231"):
        response = client.get(path, headers={"Host": "attacker.example"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert new.code in page and status_of(page) == "valid", path
        assert f'<link rel="canonical" href="{app.config["PUBLIC_URL"]}/verify/{new.code}">' in page
        assert "attacker.example" not in page
    assert old.code not in client.get(f"/01/{GTIN}").get_data(as_text=True)
    scanned = client.get(f"/01/{GTIN}/10/LOT-42?17=271231").get_data(as_text=True)
    assert "LOT-42" in scanned and "271231" in scanned


def test_the_page_shows_the_stamp_beside_the_record(client, frozen_clock, app):
    product = make_listed("Cà phê Cầu Đất", gtin=GTIN)
    db.session.commit()
    code = db.session.scalar(select(Certificate.code).where(Certificate.product_id == product.id))
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    stamp = page.split('class="verify-stamp"', 1)[1]
    base = app.config["PUBLIC_URL"]
    assert f"{base}/verify/{code}" in stamp and f"{base}/01/{GTIN}" in stamp
    assert "8931234567897" in stamp and "GS1 Vietnam" in stamp and code in stamp
    assert "verify-record" in page
    assert client.get(f"/01/{GTIN}").status_code == 200


def test_a_product_with_a_foreign_gtin_shows_its_country(client, frozen_clock):
    product = make_listed("Rượu vang thử", gtin="04006381333931")
    db.session.commit()
    page = client.get("/01/4006381333931").get_data(as_text=True)
    assert "GS1 Germany" in page and product.name in page


def test_unknown_and_invalid_gtins(client, frozen_clock):
    unknown = client.get("/01/08930000000019")
    assert unknown.status_code == 404
    text = unknown.get_data(as_text=True)
    assert "8930000000019" in text and "GS1 Vietnam" in text
    bad = client.get("/01/08931234567895")
    assert bad.status_code == 400 and "check digit" in bad.get_data(as_text=True)
    assert client.get("/verify/01/08931234567895").status_code == 400
    assert client.get("/01/abc").status_code == 400
    assert client.get("/01/08931234567897/10/" + "A" * 40).status_code == 400


def test_vendor_sets_the_gtin_on_the_listing_form(client, frozen_clock):
    product = make_listed("Chè Tân Cương đặc biệt")
    other = make_product("Chè khác", gtin=GTIN)
    vendor = make_user("vendor", entity=_entity_of(product))
    db.session.commit()
    client.login_as(vendor)
    form = {"price_vnd": "150.000", "stock": "5", "published": "y"}
    page = client.post_form(f"/vendor/products/{product.id}/listing", {**form, "gtin": "8931234567895"})
    assert page.status_code == 400 and "check digit" in page.get_data(as_text=True)
    page = client.post_form(f"/vendor/products/{product.id}/listing", {**form, "gtin": "8931234567897"})
    assert page.status_code == 400 and "Một sản phẩm khác đã dùng mã GTIN" in page.get_data(as_text=True)
    assert other.gtin == GTIN
    assert client.post_form(f"/vendor/products/{product.id}/listing",
                            {**form, "gtin": "8930000000026"}).status_code == 302
    assert db.session.get(Product, product.id).gtin == "08930000000026"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.gtin_changed"))
    assert 'value="8930000000026"' in client.get(f"/vendor/products/{product.id}/listing").get_data(as_text=True)
    assert client.post_form(f"/vendor/products/{product.id}/listing", {**form, "gtin": ""}).status_code == 302
    assert db.session.get(Product, product.id).gtin is None


def _entity_of(product):
    return db.session.get(Entity, product.entity_id)


def test_officer_sets_the_gtin(client, frozen_clock):
    product = make_listed("Nước mắm officer", province_code="19")
    officer = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(officer)
    response = client.post_form(f"/officer/products/{product.id}/gtin", {"gtin": "96385074"})
    assert response.status_code == 302
    assert db.session.get(Product, product.id).gtin == "00000096385074"
    response = client.post_form(f"/officer/products/{product.id}/gtin", {"gtin": "96385075"}, follow_redirects=True)
    assert "check digit" in response.get_data(as_text=True)
    assert db.session.get(Product, product.id).gtin == "00000096385074"
    assert "96385074" in client.get(f"/officer/products/{product.id}").get_data(as_text=True)
