"""The vendor dashboard as a producer uses it on a phone: orders as cards with date, buyer, items and total; an
unread count of new orders; cancelling asks for confirmation and a reason. (The layout at 360 px itself is
checked in a real browser: tests/browser/test_vendor_phone.py.)"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.cart import services as cart_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from tests.factories import make_entity, make_listed, make_user

TODAY = date(2026, 11, 23)
CONTACT = orders.Contact("Nguyễn Văn An", "an@test.example", "0912345678", "79", "Phường Bến Nghé", "12 Lê Lợi")


@pytest.fixture
def world(frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=9, entity=make_entity("HTX Chè Tân Cương"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=90000, stock=9, entity=make_entity("HTX Nước mắm Nam Ô"))
    world = {"tea": tea, "sauce": sauce, "buyer": make_user("customer", email="an@test.example"),
             "tea_owner": make_user("vendor", entity=db.session.get(Entity, tea.entity_id)),
             "sauce_owner": make_user("vendor", entity=db.session.get(Entity, sauce.entity_id))}
    db.session.commit()
    return world


def place(app, world, method="cod", quantity=2):
    """The buyer orders ``quantity`` of the tea; returns the tea cooperative's part."""
    cart = cart_services.get_or_create_cart(world["buyer"], {})
    listing = db.session.scalar(select(Listing).where(Listing.product_id == world["tea"].id))
    cart_services.add(cart, listing.id, quantity, TODAY)
    with app.test_request_context():
        order = orders.place_order(world["buyer"], cart, cart_services.view(cart, TODAY, "79"), CONTACT, method,
                                   TODAY)
    db.session.commit()
    return db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))


def orders_section(client):
    page = client.get("/vendor/?lang=en").get_data(as_text=True)
    return page.split('id="orders"', 1)[1].split("vendor.statement", 1)[0] if 'id="orders"' in page else page


def test_an_order_card_shows_date_buyer_items_total_and_counts_as_new(app, client, world):
    part = place(app, world)
    client.login_as(world["tea_owner"])
    section = orders_section(client)
    card = section.split(f'id="part-{part.id}"', 1)[1].split("</li>\n    \n", 1)[0]
    assert "Nguyễn Văn An" in card and "2 × Chè Tân Cương" in card
    assert "₫430,000" in card  # 2 × 200.000 + 30.000 shipping
    assert re.search(r"<dt>Placed</dt><dd>\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s?[AP]M</dd>", card)  # Vietnam time
    assert "Cash on delivery" in card
    assert 'class="badge vendor-unread">1 new<' in section and f'is-new" id="part-{part.id}"' in section
    assert client.get(f"/vendor/orders/{part.id}/slip").status_code == 200  # opening it: no longer new
    section = orders_section(client)
    assert "vendor-unread" not in section and "is-new" not in section


def test_acting_on_an_order_takes_it_out_of_the_new_count(app, client, world):
    part = place(app, world, "card")
    orders.mark_paid(_order(part), "stripe")
    db.session.commit()
    client.login_as(world["tea_owner"])
    assert ">1 new<" in orders_section(client)
    client.post_form(f"/vendor/orders/{part.id}/confirm")
    assert db.session.get(VendorOrder, part.id).status == "processing"
    assert "vendor-unread" not in orders_section(client)


def _order(part):
    return db.session.get(Order, part.order_id)


def test_an_order_waiting_for_payment_can_be_marked_read_by_its_entity_only(app, client, world):
    part = place(app, world, "bank_transfer")
    client.login_as(world["sauce_owner"])
    assert client.post_form(f"/vendor/orders/{part.id}/seen").status_code == 404
    client.login_as(world["tea_owner"])
    assert "Mark as read" in orders_section(client)
    assert client.post_form(f"/vendor/orders/{part.id}/seen").status_code == 302
    assert db.session.get(VendorOrder, part.id).seen_at is not None
    assert "vendor-unread" not in orders_section(client)
    orders.mark_paid(_order(part), "bank")  # the payment makes it news again
    db.session.commit()
    assert ">1 new<" in orders_section(client)


def test_cancel_asks_for_confirmation_and_a_reason_that_is_kept(app, client, world):
    part = place(app, world)
    client.login_as(world["tea_owner"])
    card = orders_section(client).split(f'id="part-{part.id}"', 1)[1]
    cancel = card.split('<details class="vendor-cancel">', 1)[1].split("</details>", 1)[0]
    assert f'action="/vendor/orders/{part.id}/cancel"' in cancel
    assert '<textarea id="reason-' in cancel and 'name="note"' in cancel and "required" in cancel
    assert "Yes, cancel this order" in cancel
    client.post_form(f"/vendor/orders/{part.id}/cancel", {"note": "  Hết hàng vụ này  "})
    assert db.session.get(VendorOrder, part.id).status == "cancelled"
    notes = db.session.scalars(select(OrderEvent.note).where(OrderEvent.vendor_order_id == part.id,
                                                             OrderEvent.to_status == "cancelled")).all()
    assert notes == ["Hết hàng vụ này"]


def test_product_rows_carry_labels_for_the_stacked_phone_layout(client, world):
    client.login_as(world["tea_owner"])
    page = client.get("/vendor/?lang=en").get_data(as_text=True)
    products = page.split('class="data-table vendor-products"', 1)[1].split("</table>", 1)[0]
    assert 'data-label="Price"' in products and 'data-label="On the storefront"' in products
    assert "style=" not in page and "<script>" not in page
