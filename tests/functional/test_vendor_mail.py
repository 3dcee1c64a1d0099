"""New orders, payments and cancellations reach each producer at once: mail to every member of the entity, in
that member's language, about the entity's own part only; a vendor's own cancellation is not echoed back."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from marketplace.core import mail
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.cart import services as cart_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import VendorOrder
from tests.factories import make_entity, make_listed, make_user

TODAY = date(2026, 11, 23)
CONTACT = orders.Contact("Nguyễn Văn An", "an@test.example", "0912345678", "79", "Phường Bến Nghé", "12 Lê Lợi")


@pytest.fixture
def world(frozen_clock):
    """Two producers: the tea cooperative has a Vietnamese owner and an English-speaking staff member."""
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=5, entity=make_entity("HTX Chè Tân Cương"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=90000, stock=5, entity=make_entity("HTX Nước mắm Nam Ô"))
    people = {
        "tea_owner": make_user("vendor", email="owner@che.example", entity=_entity(tea)),
        "tea_staff": make_user("vendor", email="staff@che.example", entity=_entity(tea), member_role="staff",
                               preferred_locale="en"),
        "sauce_owner": make_user("vendor", email="owner@namo.example", entity=_entity(sauce)),
        "buyer": make_user("customer", email="an@test.example"),
    }
    db.session.commit()
    return {"tea": tea, "sauce": sauce, **people}


def _entity(product):
    return db.session.get(Entity, product.entity_id)


def place(app, world, method="cod", keys=("tea", "sauce")):
    """The buyer orders one of each product named by ``keys``; the outbox is emptied first."""
    cart = cart_services.get_or_create_cart(world["buyer"], {})
    for key in keys:
        listing = db.session.scalar(select(Listing).where(Listing.product_id == world[key].id))
        cart_services.add(cart, listing.id, 1, TODAY)
    with app.test_request_context():
        order = orders.place_order(world["buyer"], cart, cart_services.view(cart, TODAY, "79"), CONTACT,
                                   method, TODAY)
    db.session.commit()
    return order


def messages_to(address):
    return [message for message in mail.outbox_messages() if message["To"] == address]


def test_a_new_order_mails_each_member_about_their_own_part_in_their_language(app, world):
    order = place(app, world)
    owner, = messages_to("owner@che.example")
    assert order.reference in owner["Subject"] and "230.000\xa0₫" in owner["Subject"]  # Vietnamese: 200.000 + 30.000
    text = owner.get_content()
    assert "Chè Tân Cương" in text and "200.000\xa0₫" in text and "Nước mắm" not in text and "90.000" not in text
    assert "Nguyễn Văn An" in text and "/vendor/#orders" in text
    staff, = messages_to("staff@che.example")
    assert staff["Subject"].startswith("New order") and "Prepare the parcel" in staff.get_content()
    assert "1 × Chè Tân Cương: ₫200,000" in staff.get_content()
    sauce, = messages_to("owner@namo.example")
    assert "Nước mắm Nam Ô" in sauce.get_content() and "Chè" not in sauce.get_content()
    assert len(messages_to("an@test.example")) == 1  # the customer's own confirmation is unchanged


def test_an_unpaid_order_says_wait_then_the_payment_is_announced_and_marks_the_part_new(app, world):
    order = place(app, world, "bank_transfer", keys=("tea",))
    staff, = messages_to("staff@che.example")
    assert "Wait for the payment" in staff.get_content()
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    part.seen_at = datetime(2026, 11, 23, 3, tzinfo=UTC)
    db.session.commit()
    orders.mark_paid(order, "bank")
    db.session.commit()
    paid = messages_to("staff@che.example")[-1]
    assert paid["Subject"] == f"Order {order.reference} paid: ship it"
    assert db.session.get(VendorOrder, part.id).seen_at is None
    assert messages_to("owner@namo.example") == []  # the sauce cooperative has no part in this order


def test_a_customer_cancellation_reaches_every_producer(app, world):
    order = place(app, world)
    orders.cancel(order, "an@test.example", "Đặt nhầm")
    db.session.commit()
    for address in ("owner@che.example", "owner@namo.example"):
        cancelled = messages_to(address)[-1]
        assert order.reference in cancelled["Subject"] and "Đặt nhầm" not in cancelled.get_content()
    assert messages_to("staff@che.example")[-1]["Subject"].endswith("cancelled: do not ship it")


def test_a_vendors_own_cancellation_is_not_mailed_back_to_it(app, client, world):
    order = place(app, world, keys=("tea",))
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    client.login_as(world["tea_owner"])
    response = client.post_form(f"/vendor/orders/{part.id}/cancel", {"note": "Hết hàng"})
    assert response.status_code == 302
    assert db.session.get(VendorOrder, part.id).status == "cancelled"
    assert len(messages_to("owner@che.example")) == 1  # only the new-order mail
    assert len(messages_to("staff@che.example")) == 1
    assert len(messages_to("an@test.example")) == 2  # the customer hears of the cancellation
