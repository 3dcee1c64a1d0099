"""Guest checkout: e-mail and phone, no account; the order is opened by a signed link mailed to the buyer."""

import re

from sqlalchemy import select

from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_listed, make_user

GUEST = {"name": "Nguyễn Thị Khách", "email": "khach@test.example", "phone": "+84 903 123 456", "province": "79",
         "ward": "Phường Sài Gòn", "address": "9 Đồng Khởi", "payment_method": "cod"}


def buy_as_guest(client):
    tea = make_listed("Chè Thái Nguyên", stock=3)
    db.session.commit()
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    return client.post_form("/checkout", GUEST)


def guest_link():
    bodies = [m.get_content() for m in outbox_messages() if m["To"] == GUEST["email"]]
    links = [link for body in bodies for link in re.findall(r"http\S+/orders/\S+\?key=\S+", body)]
    assert links, bodies
    return links[-1]


def test_a_guest_orders_without_an_account_and_lands_on_the_confirmation(client, frozen_clock):
    response = buy_as_guest(client)
    order = db.session.scalar(select(Order))
    assert order.user_id is None and order.phone == "0903123456" and order.ward_code == "26740"
    assert response.status_code == 302 and "key=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.reference in page and "/register" in page  # an account is offered afterwards


def test_the_mailed_link_opens_the_order_and_nothing_else_does(client, frozen_clock):
    buy_as_guest(client)
    order = db.session.scalar(select(Order))
    link = guest_link()
    path = link[link.index("/orders/"):]
    assert client.get(path).status_code == 200
    assert client.get(f"/orders/{order.reference}").status_code == 404
    assert client.get(f"/orders/{order.reference}?key=forged").status_code == 404
    client.login_as(make_user("customer"))
    db.session.commit()
    assert client.get(f"/orders/{order.reference}").status_code == 404


def test_a_guest_cancels_through_the_link(client, frozen_clock):
    buy_as_guest(client)
    order = db.session.scalar(select(Order))
    key = guest_link().split("key=")[1]
    assert client.post_form(f"/orders/{order.reference}/cancel?key={key}").status_code == 302
    assert db.session.get(Order, order.id).status == "cancelled"
