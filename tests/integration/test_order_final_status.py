"""An order follows its parts to a final status: all cancelled → cancelled, all delivered → delivered, some
delivered and the rest cancelled (or refunded) → delivered, cancelled and refunded → refunded; while one part is
still on its way the order is not final. Every order move goes through ``status.move()`` and is an event."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.core import mail
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.shop.cart import services as cart_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.fulfilment import final_status
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from tests.factories import make_entity, make_listed, make_user

TODAY = date(2026, 11, 23)
CONTACT = orders.Contact("Nguyễn Văn An", "an@test.example", "0912345678", "79", "Phường Bến Nghé", "12 Lê Lợi")
BUYER = "an@test.example"
VENDOR = "owner@test.example"


@pytest.fixture
def order(app, frozen_clock):
    """A cash-on-delivery order (processing) with three parts, one per producer."""
    buyer = make_user("customer", email=BUYER)
    cart = cart_services.get_or_create_cart(buyer, {})
    for name in ("Chè Tân Cương", "Nước mắm Nam Ô", "Mật ong bạc hà"):
        product = make_listed(name, price_vnd=100000, stock=5, entity=make_entity(f"HTX {name}"))
        listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
        cart_services.add(cart, listing.id, 1, TODAY)
    with app.test_request_context():
        placed = orders.place_order(buyer, cart, cart_services.view(cart, TODAY, "79"), CONTACT, "cod", TODAY)
    db.session.commit()
    return placed


def parts_of(order):
    return db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)
                              .order_by(VendorOrder.id)).all()


def do(app, order, index, action):
    """One step on part ``index``: the producer ships or delivers, the buyer cancels it, the producer refunds it."""
    part = parts_of(order)[index]
    with app.test_request_context():
        if action == "deliver":
            if part.status == "processing":
                fulfilment.act(part, "ship", VENDOR, carrier="GHN", tracking_number=f"GHN{part.id}")
            fulfilment.act(part, "deliver", VENDOR)
        elif action == "ship":
            fulfilment.act(part, "ship", VENDOR, carrier="GHN", tracking_number=f"GHN{part.id}")
        elif action == "cancel":
            refunds.cancel_part(db.session.get(Order, order.id), part.id, BUYER, "Không cần nữa")
        else:
            refunds.settle_part(part, action, VENDOR)
    db.session.commit()


def order_moves(order):
    """The order's own status events (not its parts'), as (from, to, actor)."""
    return [(e.from_status, e.to_status, e.actor) for e in db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.vendor_order_id.is_(None))
        .order_by(OrderEvent.id))]


@pytest.mark.parametrize(("steps", "final"), [
    pytest.param([(0, "cancel"), (1, "cancel"), (2, "cancel")], "cancelled", id="all cancelled"),
    pytest.param([(0, "deliver"), (1, "deliver"), (2, "deliver")], "delivered", id="all delivered"),
    pytest.param([(0, "deliver"), (1, "cancel"), (2, "deliver")], "delivered", id="delivered, cancelled, delivered"),
    pytest.param([(1, "cancel"), (2, "cancel"), (0, "deliver")], "delivered", id="cancelled first, one delivered"),
    pytest.param([(0, "deliver"), (1, "deliver"), (2, "cancel")], "delivered", id="the last part cancelled"),
    pytest.param([(0, "deliver"), (1, "refund"), (2, "cancel")], "delivered", id="delivered, refunded, cancelled"),
    pytest.param([(0, "refund"), (1, "cancel"), (2, "cancel")], "refunded", id="refunded and cancelled"),
])
def test_the_order_takes_its_final_status_once_every_part_is_closed(app, order, steps, final):
    for index, action in steps:
        do(app, order, index, action)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == final
    assert order_moves(order) == [(None, "processing", BUYER), ("processing", final, "system")]


def test_mixed_with_one_part_still_on_its_way_is_not_final_until_it_arrives(app, order):
    do(app, order, 0, "deliver")
    do(app, order, 1, "cancel")
    do(app, order, 2, "ship")
    db.session.expire_all()
    assert [part.status for part in parts_of(order)] == ["delivered", "cancelled", "shipped"]
    assert db.session.get(Order, order.id).status == "processing"
    assert order_moves(order) == [(None, "processing", BUYER)]
    do(app, order, 2, "deliver")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "delivered"
    assert order_moves(order)[-1] == ("processing", "delivered", "system")
    delivered = [m for m in mail.outbox_messages() if m["To"] == BUYER and "đã được giao" in m["Subject"]]
    assert len(delivered) == 1  # the buyer hears once that the order arrived


def test_a_delivered_order_stays_delivered_when_a_part_is_refunded_afterwards(app, order):
    for index in range(3):
        do(app, order, index, "deliver")
    do(app, order, 1, "refund")
    db.session.expire_all()
    assert [part.status for part in parts_of(order)] == ["delivered", "refunded", "delivered"]
    assert db.session.get(Order, order.id).status == "delivered"
    assert order_moves(order)[-1] == ("processing", "delivered", "system")


@pytest.mark.parametrize(("statuses", "expected"), [
    ({"processing"}, "processing"),
    ({"cancelled"}, "cancelled"),
    ({"delivered"}, "delivered"),
    ({"delivered", "cancelled"}, "delivered"),
    ({"delivered", "refunded"}, "delivered"),
    ({"delivered", "cancelled", "refunded"}, "delivered"),
    ({"cancelled", "refunded"}, "refunded"),
    ({"delivered", "cancelled", "shipped"}, None),
    ({"delivered", "processing"}, None),
    ({"cancelled", "paid"}, None),
])
def test_final_status_of_each_mix(statuses, expected):
    assert final_status(statuses) == expected
