"""A guest's orders join the account of the same e-mail address once that address is verified, never before."""

import re

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.shop.orders.claims import claim_guest_orders
from marketplace.shop.orders.models import Order
from tests.factories import PASSWORD, make_user

GOOD_PASSWORD = "núi rừng Tây Bắc 2026"


def guest_order(email, reference, user=None):
    order = Order(reference=reference, email=email, name="Khách", phone="0903123456", province_code="79",
                  ward="Phường Sài Gòn", address="9 Đồng Khởi", payment_method="cod", subtotal_vnd=100000,
                  shipping_vnd=30000, total_vnd=130000, user_id=user.id if user else None)
    db.session.add(order)
    db.session.flush()
    return order


def owners():
    return dict(db.session.execute(select(Order.reference, Order.user_id)).all())


def orders_of_three_people():
    """Two guest orders of lan@ (one typed in capitals), one of someone else, one already in another account."""
    someone = make_user("customer", email="someone@test.example")
    guest_order("lan@test.example", "OCOP-1")
    guest_order("  LAN@Test.Example ", "OCOP-2")
    guest_order("khac@test.example", "OCOP-3")
    guest_order("lan@test.example", "OCOP-4", user=someone)
    db.session.commit()
    return someone


def test_registering_links_nothing_and_verifying_links_that_addresss_guest_orders(client):
    someone = orders_of_three_people()
    client.post_form("/register", {"email": "lan@test.example", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD,
                                   "name": "Lan", "preferred_locale": "vi"})
    lan = db.session.scalar(select(User).where(User.email == "lan@test.example"))
    assert lan.email_verified_at is None
    assert owners() == {"OCOP-1": None, "OCOP-2": None, "OCOP-3": None, "OCOP-4": someone.id}
    client.post_form("/login", {"email": "lan@test.example", "password": GOOD_PASSWORD})  # unverified sign-in
    assert owners()["OCOP-1"] is None
    link = re.search(r"http://localhost(/verify-email/\S+)", outbox_messages()[-1].get_content()).group(1)
    assert client.get(link).status_code == 302
    db.session.expire_all()
    assert owners() == {"OCOP-1": lan.id, "OCOP-2": lan.id, "OCOP-3": None, "OCOP-4": someone.id}
    assert {"OCOP-1", "OCOP-2"} <= set(re.findall(r"OCOP-\d", client.get("/orders").get_data(as_text=True)))


def test_a_verified_buyer_signing_in_gets_guest_orders_placed_meanwhile(client):
    lan = make_user("customer", email="lan@test.example")
    db.session.commit()
    someone = orders_of_three_people()  # placed as a guest while signed out
    assert client.post_form("/login", {"email": "LAN@test.example", "password": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert owners() == {"OCOP-1": lan.id, "OCOP-2": lan.id, "OCOP-3": None, "OCOP-4": someone.id}


def test_an_unverified_account_claims_nothing_at_sign_in_or_directly(client):
    lan = make_user("customer", email="lan@test.example", verified=False)
    someone = orders_of_three_people()
    assert client.post_form("/login", {"email": "lan@test.example", "password": PASSWORD}).status_code == 302
    assert claim_guest_orders(lan) == 0
    db.session.expire_all()
    assert owners() == {"OCOP-1": None, "OCOP-2": None, "OCOP-3": None, "OCOP-4": someone.id}


def test_claiming_twice_links_each_order_once(app):
    lan = make_user("customer", email="lan@test.example")
    orders_of_three_people()
    assert claim_guest_orders(lan) == 2
    assert claim_guest_orders(lan) == 0
