"""Refunds and cancellations: the one way money goes back (flush only; the caller commits, or rolls back on Refused).

A vendor's part is withdrawn first (its status moves, unsent stock returns), then a payment made online (card,
VNPay, MoMo) is refunded for the part, and only then is the customer told: a refund the provider refuses rolls
everything back and no e-mail went out. Stripe's idempotency keys make a retried refund return the refund already
made, never a second one; VNPay and MoMo are asked under a request id drawn from the same key
(``_provider_refund``, the one place that picks the provider).
"""

import hashlib

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import momo_client, stripe_client, vnpay_client
from marketplace.payments.models import Payment, Refund
from marketplace.payments.status import move, settle_refund
from marketplace.shop.orders import fulfilment, statements
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, VendorOrder

#: Payment methods refunded through their provider (the money went through it).
PROVIDER_METHODS = ("card", "vnpay", "momo")
#: Part statuses an admin refund settles: refunded when paid (or delivered), cancelled when unpaid. Shipped parts
#: are on their way: they are refunded once delivered.
REFUNDABLE = ("paid", "processing", "delivered")


def settle_part(part, action, actor, note=None):
    """Cancel or refund a vendor's part of an order (``action``: ``cancel`` or ``refund``), refunding a card.

    A part paid by hand (cash collected on delivery, a bank transfer received) goes back by hand: the customer is
    told the refund is owed, not that it was made.
    """
    fulfilment.lock_part(part)
    order = db.session.get(Order, part.order_id)
    card_paid = order.status != "pending_payment" and order.payment_method in PROVIDER_METHODS
    by_hand = action == "refund" and _paid_by_hand(order, part)
    fulfilment.withdraw(part, action, actor, note)
    if card_paid:
        _refund_card(order, part)
    return fulfilment.follow_up(part, refund_mail="refund_owed_by_hand" if by_hand else "refunded")


def cancel_order(order, actor, note=None):
    """The customer cancels an order no part of which has shipped; a card payment already made is refunded in full."""
    orders.lock(order)
    payment = _succeeded_card_payment(order)
    orders.cancel(order, actor, note)
    if payment is not None:
        refund = refund_payment(payment, order, payment.amount_vnd, "customer_cancel", f"{order.reference}-cancel")
        if refund.status != "succeeded":
            raise Refused(_("The refund could not be made: %(error)s", error=refund.error))
        move(payment, "refunded", actor, "order cancelled by the customer")
    return order


def cancel_part(order, part_id, actor, note=None):
    """The customer cancels one producer's part that has not shipped while another has: its card share is refunded."""
    part = orders.cancellable_part(order, part_id)
    return settle_part(part, "cancel", actor, note)


def refund_order(order, actor):
    """Refund (or cancel, if unpaid) every part of an order that is not closed or on its way (admin)."""
    orders.lock(order)
    parts = db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)
                               .execution_options(populate_existing=True)).all()
    for part in parts:
        if part.status in REFUNDABLE:
            settle_part(part, "refund", actor)
        elif part.status == "pending_payment":
            settle_part(part, "cancel", actor)
    return order


def refund_case(part, line_amounts, whole, key, actor, note=None):
    """Refund a return or complaint about a delivered part once (by ``key``): some of its lines, or all of it.

    ``whole``: every line is back in full (with earlier cases), so the part itself is refunded as a vendor's refund
    is: what is left of it (goods and shipping, less earlier cases' refunds) goes back, and what is left of its
    sale is reversed on the statement. Otherwise only ``line_amounts`` (đồng per line refunded)
    go back, the part stays delivered and a ``return`` entry reverses the sale for those goods on the statement
    (``statements.book_return``, under ``key``). Returns the provider's Refund, or None when the order was not paid
    online (cash on delivery, bank transfer: the money is owed to the buyer by hand). Refused when the provider
    refuses (the caller rolls back).
    """
    fulfilment.lock_part(part)
    order = db.session.get(Order, part.order_id)
    payment = _succeeded_card_payment(order)
    if whole:
        amount_vnd = _left_of_part(payment, part) if payment is not None else 0
        fulfilment.withdraw(part, "refund", actor, note)
    else:
        amount_vnd = sum(line_amounts)
        statements.book_return(db.session, part, line_amounts, key)
    refund = None
    if payment is not None and amount_vnd > 0:
        if amount_vnd > payment.amount_vnd - _refunded_vnd(payment):
            raise Refused(_("This refund is more than what is left of the payment."))
        refund = refund_payment(payment, order, amount_vnd, "return_case", key)
        if refund.status != "succeeded":
            raise Refused(_("The refund could not be made: %(error)s", error=refund.error))
        if payment.method != "card" and _refunded_vnd(payment) >= payment.amount_vnd:
            move(payment, "refunded", _provider(payment), "every part refunded")
    if whole:
        fulfilment.follow_up(part, refund_mail="refunded" if payment is not None else "refund_owed")
    return refund


def refund_late_payment(payment, order):
    """Refund in full a card payment that arrived after its order was cancelled; the Refund row says how it went.

    Never raises for the provider's refusal: the webhook that brought the payment must still succeed, and the
    failed refund waits for finance staff (``retry``).
    """
    refund = refund_payment(payment, order, payment.amount_vnd, "late_payment", f"{order.reference}-late-refund")
    if refund.status == "succeeded":
        move(payment, "refunded", _provider(payment), "paid after the order was cancelled")
    return refund


def refund_payment(payment, order, amount_vnd, reason, key):
    """Ask the provider to refund ``amount_vnd`` of ``payment`` once (by idempotency ``key``); record the outcome."""
    refund = db.session.scalar(select(Refund).where(Refund.idempotency_key == key))
    if refund is not None and refund.status == "succeeded":
        return refund
    # A refusal may be remembered under its key by the provider: a retry asks again under a key of its own.
    attempt_key = key if refund is None else f"{key}-retry-{refund.attempts}"
    _made, error = _provider_refund(payment, amount_vnd, attempt_key)
    if refund is None:
        refund = Refund(payment_id=payment.id, order_id=order.id, reason=reason, amount_vnd=amount_vnd,
                        idempotency_key=key, status="failed" if error else "succeeded", error=error)
        db.session.add(refund)
        db.session.flush()
    else:
        settle_refund(refund, "failed" if error else "succeeded", error)
    return refund


def retry(refund, actor):
    """Finance staff retry a refund the provider refused; the attempt is recorded whatever the provider says.

    The payment is marked refunded once all of it is back. Refused only when there is nothing left to retry.
    """
    payment = db.session.get(Payment, refund.payment_id)
    order = orders.lock(db.session.get(Order, refund.order_id))
    db.session.refresh(refund, with_for_update=True)
    if refund.status != "failed":
        raise Refused(_("This refund was already made."))
    refund_payment(payment, order, refund.amount_vnd, refund.reason, refund.idempotency_key)
    if refund.status == "succeeded" and _refunded_vnd(payment) >= payment.amount_vnd and payment.status == "succeeded":
        move(payment, "refunded", actor, "refund retried by finance staff")
    return refund


def failed_refunds():
    """(Refund, order reference) pairs the provider refused, oldest first: what finance staff must retry."""
    return db.session.execute(select(Refund, Order.reference).join(Order, Order.id == Refund.order_id)
                              .where(Refund.status == "failed").order_by(Refund.id)).all()


def _succeeded_card_payment(order):
    """The order's card payment that went through, or None."""
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                   Payment.method.in_(PROVIDER_METHODS), Payment.status == "succeeded"))


def _paid_by_hand(order, part):
    """True when the buyer paid ``part`` outside any provider: a bank transfer received, cash collected on delivery."""
    if order.payment_method == "bank_transfer":
        return order.status != "pending_payment"
    return order.payment_method == "cod" and part.status == "delivered"


def _left_of_part(payment, part):
    """What of ``part`` (goods and shipping) its cases have not yet refunded through ``payment``'s provider.

    A case's partial refund books a ``return`` entry under its refund's key (``refund_case``): those keys name them.
    """
    refunded = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_vnd), 0)).where(
        Refund.payment_id == payment.id, Refund.status == "succeeded",
        Refund.idempotency_key.in_(statements.return_references(part.id))))
    return part.subtotal_vnd + part.shipping_vnd - int(refunded)  # PostgreSQL sums bigints as numeric


def _refund_card(order, part):
    """Refund what is left of a card-paid part (``_left_of_part``); Refused when the provider refuses.

    Nothing is asked when nothing is left. The payment keeps ``succeeded``: it becomes ``refunded`` when Stripe's
    ``charge.refunded`` says all of it was, or, for VNPay and MoMo (which send no such notification), when our
    refunds add up to all of it.
    """
    payment = _succeeded_card_payment(order)
    if payment is None:
        return
    amount_vnd = _left_of_part(payment, part)
    if amount_vnd <= 0:
        return
    refund = refund_payment(payment, order, amount_vnd, "vendor_part", f"{order.reference}-part-{part.id}-refund")
    if refund.status != "succeeded":
        raise Refused(_("The refund could not be made: %(error)s", error=refund.error))
    if payment.method != "card" and _refunded_vnd(payment) >= payment.amount_vnd:  # no refund webhook to say so
        move(payment, "refunded", _provider(payment), "every part refunded")


def _provider(payment):
    """Who refunds ``payment``, as payment events name it: ``stripe``, ``vnpay`` or ``momo``."""
    return "stripe" if payment.method == "card" else payment.method


def _refunded_vnd(payment):
    """The đồng of ``payment`` already refunded."""
    return db.session.scalar(select(func.coalesce(func.sum(Refund.amount_vnd), 0))
                             .where(Refund.payment_id == payment.id, Refund.status == "succeeded"))


def _provider_refund(payment, amount_vnd, key):
    """Ask the payment's provider to refund ``amount_vnd`` đồng once per ``key``: ``(answer, error)``."""
    if payment.method == "card":
        return stripe_client.refund(payment.stripe_payment_intent, amount_vnd, idempotency_key=key)
    request_id = hashlib.md5(key.encode()).hexdigest()  # an id of 32 characters, not a secret
    if payment.method == "vnpay":
        return vnpay_client.refund(payment.gateway_reference, amount_vnd, payment.gateway_transaction,
                                   (payment.gateway_request or {}).get("created"), request_id=request_id,
                                   whole=amount_vnd == payment.amount_vnd and not _refunded_vnd(payment),
                                   created_by="cho-ocop")
    return momo_client.refund(key, amount_vnd, payment.gateway_transaction, request_id=request_id,
                              description=f"Hoan tien {payment.gateway_reference}")
