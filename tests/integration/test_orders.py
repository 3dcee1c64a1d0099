"""Placing orders: one basket across entities, snapshots, and stock that is never oversold."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import session as flask_session
from sqlalchemy import func, select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shop.cart import services as cart_services
from marketplace.shop.cart.models import Cart, ShippingRate
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.status import InvalidTransitionError, check_transition
from tests.factories import make_entity, make_listed, make_user

TODAY = date(2026, 11, 23)
CONTACT = orders.Contact("Nguyễn Văn An", "an@test.example", "0912345678", "79", "Phường Bến Nghé", "12 Lê Lợi")


def basket_for(user, *items):
    """Items are (listing id, quantity) or (listing id, quantity, variant id)."""
    cart = cart_services.get_or_create_cart(user, {})
    for listing_id, quantity, *variant in items:
        cart_services.add(cart, listing_id, quantity, TODAY, *variant)
    return cart


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


def test_one_basket_two_entities_two_vendor_orders_with_snapshots(app, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=5, entity=make_entity("HTX Chè", province_code="19"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=90000, stock=5, entity=make_entity("HTX Nam Ô"))
    db.session.add(ShippingRate(entity_id=tea.entity_id, province_code=None, fee_vnd=25000))
    db.session.add(ShippingRate(entity_id=tea.entity_id, province_code="79", fee_vnd=40000))
    buyer = make_user("customer")
    cart = basket_for(buyer, (listing_of(tea).id, 2), (listing_of(sauce).id, 1))
    with app.test_request_context():
        basket = cart_services.view(cart, TODAY, "79")
        assert [group.shipping_vnd for group in basket.groups] == [40000, 30000]  # specific rate; default fee
        order = orders.place_order(buyer, cart, basket, CONTACT, "cod", TODAY)
    db.session.commit()
    assert (order.subtotal_vnd, order.shipping_vnd, order.total_vnd) == (490000, 70000, 560000)
    assert order.status == "processing"
    parts = db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
    assert sorted(p.entity_name for p in parts) == ["HTX Chè", "HTX Nam Ô"]
    line = db.session.scalar(select(OrderLine).where(OrderLine.product_name == "Chè Tân Cương"))
    assert (line.unit_price_vnd, line.quantity, line.stars) == (200000, 2, 3) and line.certificate_number
    assert listing_of(tea).stock == 3 and listing_of(sauce).stock == 4
    listing_of(tea).price_vnd = 999000  # later price changes do not touch what was sold
    db.session.commit()
    assert db.session.get(OrderLine, line.id).unit_price_vnd == 200000
    assert db.session.scalar(select(func.count()).select_from(cart_services.CartLine)) == 0


def test_a_line_that_stopped_being_sellable_blocks_checkout(app, frozen_clock):
    tea = make_listed("Chè Shan", stock=5)
    buyer = make_user("customer")
    cart = basket_for(buyer, (listing_of(tea).id, 1))
    listing_of(tea).published = False
    db.session.commit()
    with app.test_request_context():
        basket = cart_services.view(cart, TODAY)
        assert [item.availability.reason for item in basket.blocked] == ["unpublished"]
        with pytest.raises(Refused):
            orders.place_order(buyer, cart, basket, CONTACT, "cod", TODAY)


def test_cancel_returns_stock_and_expiry_cancels_unpaid_orders(app, frozen_clock):
    tea = make_listed("Chè búp", stock=4)
    buyer = make_user("customer")
    with app.test_request_context():
        cart = basket_for(buyer, (listing_of(tea).id, 3))
        order = orders.place_order(buyer, cart, cart_services.view(cart, TODAY), CONTACT, "card", TODAY)
        db.session.commit()
        assert order.status == "pending_payment" and listing_of(tea).stock == 1
        assert orders.expire_unpaid(datetime.now(UTC)) == 0
        assert orders.expire_unpaid(datetime.now(UTC) + timedelta(minutes=31)) == 1
        db.session.commit()
    db.session.refresh(order)
    assert order.status == "cancelled" and listing_of(tea).stock == 4
    with app.test_request_context(), pytest.raises(Refused):
        orders.cancel(order, "someone")


def test_merge_anonymous_basket_at_login_caps_at_stock(app, frozen_clock):
    tea = make_listed("Chè Thái", stock=3)
    buyer = make_user("customer")
    mine = basket_for(buyer, (listing_of(tea).id, 2))
    with app.test_request_context():
        from flask_login import AnonymousUserMixin

        anonymous = cart_services.get_or_create_cart(AnonymousUserMixin(), flask_session)
        cart_services.add(anonymous, listing_of(tea).id, 2, TODAY)
        cart_services.merge_on_login(buyer, flask_session)
        db.session.commit()
    lines = db.session.scalars(select(cart_services.CartLine).where(cart_services.CartLine.cart_id == mine.id)).all()
    assert [line.quantity for line in lines] == [3]
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 1


@pytest.mark.parametrize(("current", "target"), [("shipped", "cancelled"), ("delivered", "paid"),
                                                 ("cancelled", "paid"), ("pending_payment", "shipped")])
def test_illegal_status_moves(current, target):
    with pytest.raises(InvalidTransitionError):
        check_transition(current, target)


@pytest.mark.parametrize("package", ["listing", "variant"])
def test_fifty_buyers_for_the_last_ten_units(app, frozen_clock, package):
    """Exactly 10 of 50 concurrent checkouts succeed; stock ends at 0, never below (real threads, real DB).

    With ``variant`` the ten units are a second package size of the listing, whose own stock is plentiful.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers); make test runs both")
    tea = make_listed("Chè cổ thụ Suối Giàng", stock=10 if package == "listing" else 500)
    listing_id = listing_of(tea).id
    variant = None
    if package == "variant":
        variant = ListingVariant(listing_id=listing_id, label="hộp 500 g", price_vnd=400000, stock=10)
        db.session.add(variant)
        db.session.flush()
    item = (listing_id, 1) if variant is None else (listing_id, 1, variant.id)
    stock_row = (select(Listing.stock).where(Listing.id == listing_id) if variant is None
                 else select(ListingVariant.stock).where(ListingVariant.id == variant.id))
    buyers = [make_user("customer") for _ in range(50)]
    db.session.commit()
    buyer_ids = [buyer.id for buyer in buyers]
    outcomes, barrier = [], threading.Barrier(50)

    def buy(user_id):
        with app.app_context(), app.test_request_context():
            from marketplace.accounts.models import User

            user = db.session.get(User, user_id)
            cart = basket_for(user, item)
            basket = cart_services.view(cart, TODAY)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                orders.place_order(user, cart, basket, CONTACT, "cod", TODAY)
                db.session.commit()
                outcomes.append("ok")
            except Refused:
                db.session.rollback()
                outcomes.append("sold out")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(user_id,)) for user_id in buyer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("ok") == 10 and outcomes.count("sold out") == 40
    db.session.expire_all()
    assert db.session.scalar(stock_row) == 0
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 10
    if variant is not None:
        assert db.session.scalar(select(Listing.stock).where(Listing.id == listing_id)) == 500
    assert db.session.scalar(select(func.count()).select_from(Order)) == 10
