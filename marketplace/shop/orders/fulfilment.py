"""Vendors fulfil their part of an order: confirm, ship with a tracking number, deliver, cancel or refund."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import search
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import stripe_client
from marketplace.payments.models import Payment
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.services import notify, record, return_stock
from marketplace.shop.orders.status import TRANSITIONS

#: Vendor actions and the status each one leads to.
ACTIONS = {"confirm": "processing", "ship": "shipped", "deliver": "delivered", "cancel": "cancelled",
           "refund": "refunded"}


def sync_order(order):
    """An order takes the status its parts share; a cancelled order has all its parts cancelled."""
    statuses = set(db.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order.id)))
    if len(statuses) == 1 and (status := statuses.pop()) != order.status:
        record(order, status, "system", from_status=order.status)
        order.status = status
        if status in ("cancelled", "delivered"):
            notify(order, status)


def _refund_card(order, part, actor):
    """Refund a card-paid part through Stripe (whole part: goods and its shipping)."""
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id, Payment.method == "card",
                                                      Payment.status == "succeeded"))
    if payment is None:
        return
    _, error = stripe_client.refund(payment.stripe_payment_intent, part.subtotal_vnd + part.shipping_vnd,
                                    idempotency_key=f"{order.reference}-part-{part.id}-refund")
    if error:
        raise Refused(_("The refund could not be made: %(error)s", error=error))


def act(part, action, actor, carrier=None, tracking_number=None, note=None):
    """Apply a vendor action to its part of an order; stock returns when goods were not sent."""
    target = ACTIONS.get(action)
    if target is None or target not in TRANSITIONS[part.status]:
        raise Refused(_("This order cannot be changed that way now."))
    order = db.session.get(Order, part.order_id)
    if action == "ship":
        if not (carrier and tracking_number):
            raise Refused(_("Give the carrier and the tracking number."))
        part.carrier, part.tracking_number = carrier.strip(), tracking_number.strip()
    if action in ("cancel", "refund"):
        if order.status != "pending_payment" and order.payment_method == "card":
            _refund_card(order, part, actor)
        if part.status not in ("shipped", "delivered"):
            lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)).all()
            for line in lines:
                if line.listing_id:
                    return_stock(line.listing_id, line.quantity, line.variant_id)
            search.queue(db.session, [line.product_id for line in lines if line.product_id])
    record(order, target, actor, part, note, part.status)
    part.status = target
    db.session.flush()
    if target in ("shipped", "refunded"):
        notify(order, target)
    sync_order(order)
    return part
