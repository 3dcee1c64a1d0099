"""Placing, cancelling and expiring orders.

Stock is taken with one conditional UPDATE per line, in a fixed order, so that concurrent buyers can never
oversell; it comes back when an order is cancelled or expires. Callers roll back on Refused.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import literal, select, union_all, update

from marketplace import search
from marketplace.accounts.models import SavedAddress, User
from marketplace.accounts.services import send_to_address
from marketplace.core.errors import Refused
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.registry.codes import ALPHABET
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.status import CANCELLABLE, ONLINE_METHODS, begin, check_transition, move
from marketplace.shop.orders.vendor_mail import notify_vendors

GUEST_SALT = "guest-order"


@dataclass
class Contact:
    """Who receives the order, and where."""

    name: str
    email: str
    phone: str
    province_code: str
    ward: str
    address: str
    ward_code: str | None = None  #: NSO code of the ward (list in force since 1 July 2025)


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
    """The order ``user`` (None: a guest) already placed with the checkout form ``submission``, or None."""
    if not submission:
        return None
    owner = Order.user_id.is_(None) if user is None else Order.user_id == user.id
    return db.session.scalar(select(Order).where(owner, Order.checkout_token == submission))


def known_addresses(user):
    """The buyer's saved addresses (the default first, then the newest), then their last order's; one query.

    Rows carry ``id, is_default, saved, name, phone, province_code, ward_code, ward, address``.
    """
    columns = ("name", "phone", "province_code", "ward_code", "ward", "address")
    saved = select(SavedAddress.id, SavedAddress.is_default, literal(True).label("saved"),
                   *(getattr(SavedAddress, c) for c in columns)).where(SavedAddress.user_id == user.id)
    last = (select(Order.id, literal(False).label("is_default"), literal(False).label("saved"),
                   *(getattr(Order, c) for c in columns))
            .where(Order.user_id == user.id).order_by(Order.id.desc()).limit(1).subquery())
    rows = union_all(saved, select(last)).subquery()
    return db.session.execute(select(rows).order_by(rows.c.saved.desc(), rows.c.is_default.desc(),
                                                    rows.c.id.desc())).all()


def guest_key(order):
    """The signed key that opens a guest's order page (mailed to them; no account needed)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=GUEST_SALT).dumps(order.reference)


def guest_key_opens(order, key):
    """True when ``key`` is the signed key of ``order`` (a guest order only)."""
    if order.user_id is not None or not key:
        return False
    try:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=GUEST_SALT).loads(key) == order.reference
    except BadSignature:
        return False


def send_guest_link(order, locale="vi"):
    """Mail a guest (in ``locale``) the signed link to their order: their way back to it without an account."""
    link = external_url("checkout.detail", reference=order.reference, key=guest_key(order))
    send_to_address(order.email, locale,
                    lambda: _("Your order %(reference)s: keep this link", reference=order.reference),
                    lambda: _("You ordered without an account. This private link shows your order %(reference)s, "
                              "lets you follow it and cancel it while nothing has shipped:\n\n%(link)s",
                              reference=order.reference, link=link))


def place_order(user, cart, basket, contact, payment_method, day, submission=None):
    """Turn a checked basket into an order: reserve stock line by line, snapshot every line, empty the basket.

    Raises Refused when the basket holds a line that cannot be bought or stock ran out: the caller must
    roll back (stock already taken for earlier lines is then returned by the rollback). ``submission`` is the
    checkout form's one-time token, kept on the order (unique) so that a second submission finds it.
    ``user`` is None for a guest: the order belongs to no account and is opened by its signed key.
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
    minutes = current_app.config["RESERVATION_MINUTES"] if payment_method in ONLINE_METHODS else (
        current_app.config["TRANSFER_RESERVATION_HOURS"] * 60)
    order = Order(reference=new_reference(day), user_id=user.id if user else None, checkout_token=submission,
                  email=contact.email, name=contact.name, phone=contact.phone, province_code=contact.province_code,
                  ward=contact.ward, ward_code=contact.ward_code, address=contact.address, status=status,
                  payment_method=payment_method,
                  subtotal_vnd=basket.subtotal_vnd, shipping_vnd=basket.shipping_vnd, total_vnd=basket.total_vnd,
                  reserved_until=None if status == "processing" else datetime.now(UTC) + timedelta(minutes=minutes))
    db.session.add(order)
    db.session.flush()
    begin(order, user.email if user else contact.email)
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


#: Part statuses that mean the goods left the producer: the order can no longer be cancelled as a whole.
SENT = ("shipped", "delivered", "returned")


def sent_parts(order):
    """The parts of ``order`` already shipped or delivered (freshly read)."""
    return [part for part, _lines in lines_of(order) if part.status in SENT]


def cancel(order, actor, note=None):
    """Cancel an order none of whose parts has shipped: every part is cancelled and its stock returns."""
    lock(order)
    if order.status not in CANCELLABLE:
        raise Refused(_("This order can no longer be cancelled."))
    if sent_parts(order):
        raise Refused(_("A producer has already shipped its part: cancel the parts not shipped yet, one by one."))
    check_transition(order.status, "cancelled")  # before any part moves
    cancelled, returned = [], []
    for part, lines in lines_of(order):
        if part.status in CANCELLABLE:
            move(part, "cancelled", actor, note)
            cancelled.append(part)
            returned += lines
    move(order, "cancelled", actor, note)
    product_ids = return_lines(returned)
    order.reserved_until = None
    search.queue(db.session, product_ids)
    notify(order, "cancelled", parts=cancelled)  # a part cancelled alone before was announced then
    return order


def cancellable_part(order, part_id):
    """The part ``part_id`` of ``order`` when the customer may cancel it alone now; Refused otherwise.

    A part alone is cancelled only while it has not shipped and the order has been paid or is paid on delivery
    (an unpaid order is cancelled as a whole).
    """
    lock(order)
    part = next((part for part, _lines in lines_of(order) if part.id == part_id), None)
    if part is None or order.status not in CANCELLABLE or order.status == "pending_payment":
        raise Refused(_("This order can no longer be cancelled."))
    if part.status == "cancelled":
        raise Refused(_("This part of your order is already cancelled."))
    if part.status not in CANCELLABLE:
        raise Refused(_("This producer has already shipped its part: it can no longer be cancelled."))
    return part


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


def notify(order, kind, parts=None):
    """E-mail the customer about their order, in their language; the producers hear of their parts too.

    :param parts: the parts whose producers hear of it (see ``vendor_mail.notify_vendors``); ``[]``: none.
    """
    notify_vendors(order, kind, parts)
    user = db.session.get(User, order.user_id) if order.user_id else None
    locale = user.preferred_locale if user else "vi"
    guest = {} if order.user_id else {"key": guest_key(order)}  # a guest's only way back to the order
    link = external_url("checkout.detail", reference=order.reference, **guest)
    subjects = {"placed": lambda: _("Order %(reference)s received", reference=order.reference),
                "shipped": lambda: _("Order %(reference)s: a parcel is on its way", reference=order.reference),
                "delivered": lambda: _("Order %(reference)s delivered", reference=order.reference),
                "refunded": lambda: _("Order %(reference)s refunded", reference=order.reference),
                "refund_owed": lambda: _("Order %(reference)s: a refund is owed to you", reference=order.reference),
                "refund_owed_by_hand": lambda: _("Order %(reference)s: a refund is owed to you",
                                                 reference=order.reference),
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
                                    reference=order.reference, link=link),
              "refund_owed": lambda: _("A refund is owed to you for order %(reference)s: it is paid by bank "
                                       "transfer to the account you gave, not through a payment provider. "
                                       "Details:\n\n%(link)s", reference=order.reference, link=link),
              "refund_owed_by_hand": lambda: _("A refund is owed to you for order %(reference)s: it was not paid "
                                               "through a payment provider, so it does not go back through one but "
                                               "is paid back to you directly. Details:\n\n%(link)s",
                                               reference=order.reference, link=link)}
    send_to_address(order.email, locale, subjects[kind], bodies[kind])
