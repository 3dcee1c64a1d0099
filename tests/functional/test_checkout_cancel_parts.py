"""Cancelling after a producer shipped: the whole order no longer; each part not shipped yet, one by one."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Đỗ Minh", "email": "minh@test.example", "phone": "0987000111", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "2 Tràng Tiền", "payment_method": "cod"}


@pytest.fixture
def order(client, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=5, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=100000, stock=5, entity=make_entity("HTX Nam Ô"))
    buyer = make_user("customer", email="minh@test.example")
    db.session.commit()
    client.login_as(buyer)
    for product in (tea, sauce):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    client.post_form("/checkout", CHECKOUT)
    placed = db.session.scalar(select(Order))
    parts = db.session.scalars(select(VendorOrder).order_by(VendorOrder.id)).all()
    return placed, parts, {"tea": tea, "sauce": sauce}


def ship(part):
    fulfilment.act(part, "ship", "owner@test.example", carrier="GHN", tracking_number="GHN123")
    db.session.commit()


def stock(product):
    return db.session.scalar(select(Listing.stock).where(Listing.product_id == product.id))


def test_the_whole_order_cannot_be_cancelled_once_a_part_has_shipped(client, order):
    placed, (tea_part, sauce_part), products = order
    ship(tea_part)
    client.post_form(f"/orders/{placed.reference}/cancel")
    db.session.expire_all()
    assert db.session.get(Order, placed.id).status == "processing"
    assert db.session.get(VendorOrder, tea_part.id).status == "shipped"
    assert db.session.get(VendorOrder, sauce_part.id).status == "processing"
    assert stock(products["sauce"]) == 4
    page = client.get(f"/orders/{placed.reference}").get_data(as_text=True)
    assert "return or complaint" in page or "đổi trả" in page.lower()


def test_a_part_not_shipped_is_cancelled_alone_and_its_stock_returns(client, order):
    placed, (tea_part, sauce_part), products = order
    ship(tea_part)
    client.post_form(f"/orders/{placed.reference}/cancel", {"part": sauce_part.id})
    db.session.expire_all()
    assert db.session.get(VendorOrder, sauce_part.id).status == "cancelled"
    assert db.session.get(VendorOrder, tea_part.id).status == "shipped"
    assert db.session.get(Order, placed.id).status != "cancelled"
    assert stock(products["sauce"]) == 5 and stock(products["tea"]) == 4


def test_a_shipped_part_cannot_be_cancelled(client, order):
    placed, (tea_part, _sauce_part), products = order
    ship(tea_part)
    client.post_form(f"/orders/{placed.reference}/cancel", {"part": tea_part.id})
    db.session.expire_all()
    assert db.session.get(VendorOrder, tea_part.id).status == "shipped"
    assert stock(products["tea"]) == 4


def test_before_any_shipment_the_whole_order_is_cancelled(client, order):
    placed, parts, products = order
    client.post_form(f"/orders/{placed.reference}/cancel")
    db.session.expire_all()
    assert db.session.get(Order, placed.id).status == "cancelled"
    assert {db.session.get(VendorOrder, part.id).status for part in parts} == {"cancelled"}
    assert stock(products["tea"]) == 5 and stock(products["sauce"]) == 5
