"""Vendors manage their listings; a product without a valid certificate stays a draft, saying why."""

from datetime import date

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from tests.factories import make_certificate, make_entity, make_product, make_user


def test_create_publish_and_refuse_publication_without_certificate(client, frozen_clock):
    entity = make_entity("HTX Mật ong Mèo Vạc", province_code="08")
    certified = make_product("Mật ong bạc hà", entity=entity)
    make_certificate(certified, valid_from=date(2025, 1, 1))
    lapsed = make_product("Mật ong hoa rừng", entity=entity)
    make_certificate(lapsed, valid_from=date(2022, 1, 1))
    other = make_product("Sản phẩm khác", entity=make_entity("HTX Khác"))
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    form = {"price_vnd": "320000", "stock": "12", "unit": "chai 500 ml", "description_vi": "Mật ong **bạc hà**.",
            "description_en": "", "published": "y"}
    assert client.post_form(f"/vendor/products/{certified.id}/listing", form).status_code == 302
    assert client.get("/api/v1/products?q=mat+ong+bac+ha").get_json()["items"][0]["price_vnd"] == 320000
    page = client.get(f"/vendor/products/{lapsed.id}/listing").get_data(as_text=True)
    assert "1 tháng 1, 2025" in page  # when its certificate expired
    client.post_form(f"/vendor/products/{lapsed.id}/listing", form)
    draft = db.session.scalar(select(Listing).where(Listing.product_id == lapsed.id))
    assert draft.published is False and draft.price_vnd == 320000
    assert client.post_form(f"/vendor/products/{other.id}/listing", form).status_code == 404
    bad = client.post_form(f"/vendor/products/{certified.id}/listing", {**form, "price_vnd": "0"})
    assert bad.status_code == 400


def test_dashboard_warns_from_180_days_before_expiry(client, frozen_clock):
    entity = make_entity("HTX Cà phê Sơn La", province_code="14")
    soon = make_product("Cà phê Arabica", entity=entity)
    make_certificate(soon, valid_from=date(2023, 12, 1), valid_until=date(2027, 4, 1))  # 129 days left
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    client.post_form(f"/vendor/products/{soon.id}/listing", {"price_vnd": "150000", "stock": "3", "published": "y"})
    page = client.get("/vendor/").get_data(as_text=True)
    assert "129" in page and "180" in page


def test_listing_file_upload_is_scoped_and_exports_round_trip(client, frozen_clock):
    import csv
    import io

    from openpyxl import load_workbook

    from marketplace.registry.models import Certificate

    entity = make_entity("HTX Chè Phìn Hồ", province_code="08")
    mine = make_product("Chè Shan tuyết Phìn Hồ", entity=entity)
    my_certificate = make_certificate(mine, valid_from=date(2025, 5, 1))
    theirs = make_product("Chè khác", entity=make_entity("HTX Khác"))
    their_certificate = make_certificate(theirs, valid_from=date(2025, 5, 1))
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    numbers = {c.id: c.number for c in db.session.scalars(select(Certificate))}
    good = f"certificate_number,price_vnd,stock,unit\n{numbers[my_certificate.id]},410000,9,hộp 100 g\n"
    page = client.post_form("/vendor/listings/upload", {"file": (io.BytesIO(good.encode()), "l.csv")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "tạo mới 1, cập nhật 0 và giữ nguyên 0 sản phẩm đăng bán" in page
    token = page.split("/vendor/listings/upload/")[1].split('"')[0]
    client.post_form(f"/vendor/listings/upload/{token}")
    assert db.session.scalar(select(Listing.price_vnd).where(Listing.product_id == mine.id)) == 410000
    foreign = f"certificate_number,price_vnd,stock\n{numbers[their_certificate.id]},1000,1\n"
    page = client.post_form("/vendor/listings/upload", {"file": (io.BytesIO(foreign.encode()), "f.csv")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "not a certificate of your products" in page
    assert db.session.scalar(select(Listing).where(Listing.product_id == theirs.id)) is None
    rows = list(csv.DictReader(io.StringIO(client.get("/vendor/listings.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert rows == [{"product": "Chè Shan tuyết Phìn Hồ", "certificate_number": numbers[my_certificate.id],
                     "price_vnd": "410000", "stock": "9", "unit": "hộp 100 g", "published": "yes"}]
    workbook = load_workbook(io.BytesIO(client.get("/vendor/listings.xlsx").data))
    assert list(workbook.active.iter_rows(values_only=True))[1][2] == 410000
    assert client.get("/vendor/orders.csv").status_code == 200
