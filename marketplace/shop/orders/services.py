"""Placing, cancelling and expiring orders.

Stock is taken with one conditional UPDATE per line, in a fixed order, so that concurrent buyers can never
oversell; it comes back when an order is cancelled or expires. Callers roll back on Refused.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace import search
from marketplace.accounts.models import User
from marketplace.accounts.services import send_to_address
from marketplace.core.errors import Refused
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.registry.codes import ALPHABET
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.status import CANCELLABLE, begin, check_transition, move


@dataclass
class Contact:
    """Who receives the order, and where."""

    name: str
    email: str
    phone: str
    province_code: str
    ward: str
    address: str


def new_reference(day):
    """A short, readable order reference such as ``OCOP-261123-7K3Q``."""
    return f"OCOP-{day:%y%m%d}-{''.join(secrets.choice(ALPHABET) for _ in range(4))}"


def _stock_row(listing_id, variant_id):
    """The UPDATE target holding the stock: the listing itself, or one of its variants."""
    if variant_id is None:
        return Listing, update(Listing).where(Listing.id == listing_id)
    return ListingVariant, update(ListingVariant).where(ListingVariant.id == variant_id,
                                                        ListingVariant.listing_id == listing_id)


def take_stock(listing_id, quantity, variant_id=None):
    """Atomically decrement stock if enough is left; True when taken (never below zero)."""
    model, statement = _stock_row(listing_id, variant_id)
    result = db.session.execute(statement.where(model.stock >= quantity).values(stock=model.stock - quantity)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1


def return_stock(listing_id, quantity, variant_id=None):
    """Put stock back (a cancelled or expired order)."""
    model, statement = _stock_row(listing_id, variant_id)
    db.session.execute(statement.values(stock=model.stock + quantity).execution_options(synchronize_session=False))


def placed_with(user, submission):
    """The order ``user`` already placed with the checkout form ``submission``, or None."""
    if not submission:
        return None
    return db.session.scalar(select(Order).where(Order.user_id == user.id, Order.checkout_token == submission))


def place_order(user, cart, basket, contact, payment_method, day, submission=None):
    """Turn a checked basket into an order: reserve stock line by line, snapshot every line, empty the basket.

    Raises Refused when the basket holds a line that cannot be bought or stock ran out: the caller must
    roll back (stock already taken for earlier lines is then returned by the rollback). ``submission`` is the
    checkout form's one-time token, kept on the order (unique) so that a second submission finds it.
    """
    if not basket.groups or basket.blocked:
        raise Refused(_("Some lines of your basket cannot be bought as they are: check the basket."))
    items = sorted((item for group in basket.groups for item in group.items),
                   key=lambda item: (item.listing.id, item.line.variant_id or 0))  # one lock order for everyone
    for item in items:
        if not take_stock(item.listing.id, item.line.quantity, item.line.variant_id):
            raise Refused(_("Sorry, %(product)s has just sold out or has fewer units left.",
                                 product=item.product.name))
    status = "processing" if payment_method == "cod" else "pending_payment"
    minutes = current_app.config["RESERVATION_MINUTES"] if payment_method == "card" else (
        current_app.config["TRANSFER_RESERVATION_HOURS"] * 60)
    order = Order(reference=new_reference(day), user_id=user.id, checkout_token=submission, email=contact.email,
                  name=contact.name, phone=contact.phone, province_code=contact.province_code, ward=contact.ward,
                  address=contact.address, status=status, payment_method=payment_method,
                  subtotal_vnd=basket.subtotal_vnd, shipping_vnd=basket.shipping_vnd, total_vnd=basket.total_vnd,
                  reserved_until=None if status == "processing" else datetime.now(UTC) + timedelta(minutes=minutes))
    db.session.add(order)
    db.session.flush()
    begin(order, user.email)
    for group in basket.groups:
        part = VendorOrder(order_id=order.id, entity_id=group.entity.id, entity_name=group.entity.name,
                           status=status, subtotal_vnd=group.subtotal_vnd, shipping_vnd=group.shipping_vnd)
        db.session.add(part)
        db.session.flush()
        for item in group.items:
            certificate = item.availability.certificate
            db.session.add(OrderLine(
                vendor_order_id=part.id, listing_id=item.listing.id, product_id=item.product.id,
                variant_id=item.line.variant_id, variant_label=item.variant.label if item.variant else None,
                product_name=item.product.name, entity_name=group.entity.name, certificate_number=certificate.number,
                stars=certificate.stars, unit_price_vnd=item.price_vnd, quantity=item.line.quantity))
    db.session.execute(CartLine.__table__.delete().where(CartLine.cart_id == cart.id))
    search.queue(db.session, [item.product.id for item in items])
    notify(order, "placed")
    return order


def lock(order):
    """Take the order's row lock (``SELECT … FOR UPDATE``) and reload it: every change starts here.

    Changes to an order, its parts and its payment lock the order first, then touch parts, the payment and stock
    rows (by listing, then variant): one lock order for everyone, so concurrent changes of one order run one after
    the other, each deciding on fresh rows, and never deadlock.
    """
    db.session.flush()
    db.session.refresh(order, with_for_update=True)
    return order


def lines_of(order):
    """(vendor order, lines) pairs of an order, freshly read."""
    parts = db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)
                               .order_by(VendorOrder.id).execution_options(populate_existing=True)).all()
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id.in_([p.id for p in parts]))
                               .order_by(OrderLine.listing_id, OrderLine.variant_id)).all()
    return [(part, [line for line in lines if line.vendor_order_id == part.id]) for part in parts]


def return_lines(lines):
    """Put back the stock of order lines, in the one lock order (listing, then variant); return their products."""
    for line in sorted(lines, key=lambda line: (line.listing_id or 0, line.variant_id or 0)):
        if line.listing_id:
            return_stock(line.listing_id, line.quantity, line.variant_id)
    return [line.product_id for line in lines if line.listing_id and line.product_id]


def cancel(order, actor, note=None):
    """Cancel an order that has not shipped: every part still cancellable is cancelled and its stock returns."""
    lock(order)
    if order.status not in CANCELLABLE:
        raise Refused(_("This order can no longer be cancelled."))
    check_transition(order.status, "cancelled")  # before any part moves
    returned = []
    for part, lines in lines_of(order):
        if part.status in CANCELLABLE:
            move(part, "cancelled", actor, note)
            returned += lines
    move(order, "cancelled", actor, note)
    product_ids = return_lines(returned)
    order.reserved_until = None
    search.queue(db.session, product_ids)
    notify(order, "cancelled")
    return order


def expire_unpaid(now):
    """Cancel unpaid orders whose reservation lapsed (stock returns); return how many."""
    overdue = db.session.scalars(select(Order).where(Order.status == "pending_payment",
                                                     Order.reserved_until < now)).all()
    count = 0
    for order in overdue:
        lock(order)  # paid meanwhile? then it stays paid
        if order.status == "pending_payment":
            cancel(order, "system:reservation-expired", _("Payment not received in time."))
            count += 1
    return count


def mark_paid(order, actor):
    """The payment arrived: the order and every part become paid (stock was taken when the order was placed)."""
    lock(order)
    check_transition(order.status, "paid")  # before any part moves
    for part, _lines in lines_of(order):
        if part.status == "pending_payment":
            move(part, "paid", actor)
    move(order, "paid", actor)
    order.reserved_until = None
    notify(order, "paid")
    return order


def notify(order, kind):
    """E-mail the customer about their order (placed, paid, cancelled), in their language."""
    user = db.session.get(User, order.user_id) if order.user_id else None
    locale = user.preferred_locale if user else "vi"
    link = external_url("checkout.detail", reference=order.reference)
    subjects = {"placed": lambda: _("Order %(reference)s received", reference=order.reference),
                "shipped": lambda: _("Order %(reference)s: a parcel is on its way", reference=order.reference),
                "delivered": lambda: _("Order %(reference)s delivered", reference=order.reference),
                "refunded": lambda: _("Order %(reference)s refunded", reference=order.reference),
                "paid": lambda: _("Order %(reference)s paid", reference=order.reference),
                "cancelled": lambda: _("Order %(reference)s cancelled", reference=order.reference)}
    bodies = {"placed": lambda: _("Thank you for your order %(reference)s. Each producer prepares its part; you "
                                  "can follow it here:\n\n%(link)s", reference=order.reference, link=link),
              "paid": lambda: _("We received the payment for order %(reference)s. Follow it here:\n\n%(link)s",
                                reference=order.reference, link=link),
              "cancelled": lambda: _("Order %(reference)s has been cancelled. Details:\n\n%(link)s",
                                     reference=order.reference, link=link),
              "shipped": lambda: _("A producer has shipped its part of order %(reference)s. Tracking:\n\n%(link)s",
                                   reference=order.reference, link=link),
              "delivered": lambda: _("Order %(reference)s has been delivered. Thank you for buying OCOP "
                                     "products:\n\n%(link)s", reference=order.reference, link=link),
              "refunded": lambda: _("A refund was made for order %(reference)s. Details:\n\n%(link)s",
                                    reference=order.reference, link=link)}
    send_to_address(order.email, locale, subjects[kind], bodies[kind])
