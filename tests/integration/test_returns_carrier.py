"""A return of goods that came by the carrier: accepting "send it back" asks GHN (its fake, over real HTTP) for the
parcel the other way, buyer to producer, with nothing to collect; both sides reach its printable label."""

import pytest
from sqlalchemy import select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.returns import deadlines
from marketplace.returns.models import ReturnCase
from marketplace.shipping.models import ShippingProfile
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_ghn import ghn_on

CHECKOUT = {"name": "Trần Thị Mai", "email": "mai@test.example", "phone": "0912345678", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "5 Hàng Trống", "payment_method": "cod"}


@pytest.fixture
def ghn(app, client):
    with ghn_on(app, client) as fake:
        yield fake


@pytest.fixture
def delivered(client, ghn, frozen_clock):
    entity = make_entity("HTX Chè Ba Đình", province_code="01")
    db.session.add(ShippingProfile(entity_id=entity.id, ward_code="00004", address="12 Phan Đình Phùng",
                                   phone="0987654321"))
    tea = make_listed("Chè Shan tuyết", price_vnd=200000, stock=9, entity=entity)
    vendor = make_user("vendor", email="htx@badinh.example", entity=entity)
    buyer = make_user("customer", email="mai@test.example")
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": db.session.scalar(select(Listing.id)), "quantity": 2})
    assert client.post_form("/checkout", CHECKOUT).status_code == 302
    part = db.session.scalar(select(VendorOrder))
    client.login_as(vendor)
    assert client.post_form(f"/vendor/orders/{part.id}/ship", {"via": "carrier"}).status_code == 302
    db.session.expire_all()
    code = db.session.get(VendorOrder, part.id).tracking_number
    assert ghn.push(code, "delivered")[0] == 200
    frozen_clock.current = deadlines.delivered_at(part.id).astimezone(clock.TIMEZONE)
    return {"part": part, "vendor": vendor, "buyer": buyer, "tea": tea}


def test_send_it_back_makes_a_return_parcel_and_label(client, ghn, delivered):
    part, line_id = delivered["part"], db.session.scalar(select(OrderLine.id))
    client.login_as(delivered["buyer"])
    opened = client.post_form(f"/account/returns/new/{part.id}", {
        "kind": "return", "reason": "wrong_item", "details": "Giao nhầm loại", f"qty-{line_id}": "1",
        "bank_details": "ACB 123 Tran Thi Mai"})
    assert opened.status_code == 302
    case = db.session.scalar(select(ReturnCase))
    client.login_as(delivered["vendor"])
    client.post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "send_back", "instructions": ""})
    db.session.expire_all()
    case = db.session.get(ReturnCase, case.id)
    assert case.status == "awaiting_return" and case.return_carrier_code in ghn.orders
    parcel = ghn.orders[case.return_carrier_code]
    order = db.session.scalar(select(Order))
    assert parcel["cod_amount"] == 0 and parcel["to_name"] == "HTX Chè Ba Đình" and parcel["from_name"] == order.name
    assert parcel["client_order_code"] == f"{order.reference}-{part.id}-R{case.id}"
    label = client.get(f"/vendor/returns/{case.id}/label")
    assert label.status_code == 302 and "printA5" in label.headers["Location"]
    client.login_as(delivered["buyer"])
    page = client.get(f"/account/returns/{case.id}").get_data(as_text=True)
    assert case.return_carrier_code in page and f"/account/returns/{case.id}/label" in page
    assert client.get(f"/account/returns/{case.id}/label").status_code == 302
