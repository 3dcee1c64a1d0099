"""The basket and checkout as a customer uses them: anonymous basket, sign in, pay on delivery, cancel."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import PASSWORD, make_entity, make_listed, make_user

CHECKOUT = {"name": "Trần Thị Bình", "email": "binh@test.example", "phone": "0987654321", "province": "01",
            "ward": "Phường Hàng Bạc", "address": "5 Hàng Bạc", "payment_method": "cod"}


def listing_id(product):
    return db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))


def test_anonymous_basket_survives_sign_in_and_becomes_two_vendor_orders(client, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=4, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Cửa Việt", price_vnd=80000, stock=4, entity=make_entity("HTX Cửa Việt"))
    buyer = make_user("customer", email="binh@test.example")
    db.session.commit()
    client.post_form("/cart/add", {"listing_id": listing_id(tea), "quantity": 2})
    client.post_form("/cart/add", {"listing_id": listing_id(sauce), "quantity": 1})
    basket = client.get("/cart").get_data(as_text=True)
    assert "HTX Chè" in basket and "HTX Cửa Việt" in basket and "540.000" in basket  # 480.000 + 2 × 30.000
    assert client.get("/checkout").status_code == 200  # guests may check out; this buyer signs in instead
    client.post_form("/login", {"email": buyer.email, "password": PASSWORD})
    assert "Chè Tân Cương" in client.get("/cart").get_data(as_text=True)
    response = client.post_form("/checkout", CHECKOUT)
    assert response.status_code == 302
    order = db.session.scalar(select(Order))
    assert response.headers["Location"].endswith(f"/orders/{order.reference}?placed=1")  # the confirmation
    assert order.total_vnd == 540000 and order.status == "processing"
    assert len(db.session.scalars(select(VendorOrder)).all()) == 2
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert "HTX Cửa Việt" in page and "Chè Tân Cương" in page
    client.post_form(f"/orders/{order.reference}/cancel")
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.get(Listing, listing_id(tea)).stock == 4


def test_bad_phone_is_explained_and_nothing_is_ordered(client, frozen_clock):
    tea = make_listed("Chè búp", stock=4)
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing_id(tea), "quantity": 1})
    response = client.post_form("/checkout", {**CHECKOUT, "phone": "12345"})
    assert response.status_code == 400
    assert "0912345678" in response.get_data(as_text=True)
    assert db.session.scalar(select(Order)) is None


def test_other_peoples_orders_are_not_found(client, frozen_clock):
    tea = make_listed("Chè xanh", stock=4)
    first, second = make_user("customer"), make_user("customer")
    db.session.commit()
    client.login_as(first)
    client.post_form("/cart/add", {"listing_id": listing_id(tea), "quantity": 1})
    client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    client.login_as(second)
    assert client.get(f"/orders/{order.reference}").status_code == 404
    assert client.post_form(f"/orders/{order.reference}/cancel").status_code == 404
    assert db.session.get(Order, order.id).status == "processing"


def test_unsellable_products_cannot_be_added(client, frozen_clock):
    tea = make_listed("Chè hết hàng", stock=0)
    db.session.commit()
    client.post_form("/cart/add", {"listing_id": listing_id(tea), "quantity": 1})
    assert "Chè hết hàng" not in client.get("/cart").get_data(as_text=True)
