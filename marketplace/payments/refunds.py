"""Refunds and cancellations: the one way money goes back (flush only; the caller commits, or rolls back on Refused).

A vendor's part is withdrawn first (its status moves, unsent stock returns), then a card payment is refunded for
the part, and only then is the customer told: a refund Stripe refuses rolls everything back and no e-mail went out.
Stripe's idempotency keys make a retried refund return the refund already made, never a second one.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import stripe_client
from marketplace.payments.models import Payment
from marketplace.payments.status import move
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, VendorOrder

#: Part statuses an admin refund settles: refunded when paid (or delivered), cancelled when unpaid. Shipped parts
#: are on their way: they are refunded once delivered.
REFUNDABLE = ("paid", "processing", "delivered")


def settle_part(part, action, actor, note=None):
    """Cancel or refund a vendor's part of an order (``action``: ``cancel`` or ``refund``), refunding a card."""
    order = db.session.get(Order, part.order_id)
    card_paid = order.status != "pending_payment" and order.payment_method == "card"
    fulfilment.withdraw(part, action, actor, note)
    if card_paid:
        _refund_card(order, part)
    return fulfilment.follow_up(part)


def refund_order(order, actor):
    """Refund (or cancel, if unpaid) every part of an order that is not closed or on its way (admin)."""
    for part in db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all():
        if part.status in REFUNDABLE:
            settle_part(part, "refund", actor)
        elif part.status == "pending_payment":
            settle_part(part, "cancel", actor)
    return order


def refund_late_payment(payment, order):
    """Refund in full a card payment that arrived after its order was cancelled; return Stripe's error, or None."""
    _refund, error = stripe_client.refund(payment.stripe_payment_intent,
                                          idempotency_key=f"{order.reference}-late-refund")
    if error is None:
        move(payment, "refunded", "stripe", "paid after the order was cancelled")
    return error


def _refund_card(order, part):
    """Refund a card-paid part through Stripe (the whole part: goods and its shipping); Refused when Stripe fails.

    The payment keeps ``succeeded``: it becomes ``refunded`` when Stripe's ``charge.refunded`` says all of it was.
    """
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id, Payment.method == "card",
                                                      Payment.status == "succeeded"))
    if payment is None:
        return
    _refund, error = stripe_client.refund(payment.stripe_payment_intent, part.subtotal_vnd + part.shipping_vnd,
                                          idempotency_key=f"{order.reference}-part-{part.id}-refund")
    if error:
        raise Refused(_("The refund could not be made: %(error)s", error=error))
