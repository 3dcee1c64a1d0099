"""Payment flows: start a card payment, apply Stripe's events (idempotent, any order), confirm transfers, reconcile.

VNPay and MoMo have their flows in ``gateways.py``; refunds of every provider go through ``refunds.py``.

A line whose certificate lapses between placing the order and the payment is still delivered: the customer
bought it while it was certified (the order line keeps that certificate's number), and the stock was reserved
then. The checkout page says so.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.core import audit
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.payments import gateways, refunds, stripe_client
from marketplace.payments.models import Payment, ProcessedStripeEvent
from marketplace.payments.simulated import simulated
from marketplace.payments.status import PaymentError, move
from marketplace.payments.vietqr import payload
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder


def card_available():
    """Card payment can be offered (Stripe configured, or simulated in development)."""
    return stripe_client.is_configured() or simulated()


def checkout_lines(order):
    """(name, unit price, quantity) of every line, and one shipping line per vendor order."""
    parts = db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id.in_([p.id for p in parts]))).all()
    result = [(" · ".join(filter(None, (line.product_name, line.variant_label))), line.unit_price_vnd, line.quantity)
              for line in lines]
    result += [(f"Shipping: {part.entity_name}", part.shipping_vnd, 1) for part in parts if part.shipping_vnd]
    return result


def start_card_payment(order):
    """Create the Stripe Checkout Session (or the simulated one) for an unpaid order; return the page to open."""
    payment = Payment(order_id=order.id, method="card", amount_vnd=order.total_vnd)
    db.session.add(payment)
    if simulated():
        payment.stripe_session_id = f"cs_sim_{order.reference}"
        db.session.flush()
        return url_for("checkout.simulated_checkout", reference=order.reference)
    session, error = stripe_client.create_checkout_session(
        order.reference, checkout_lines(order),
        success_url=external_url("checkout.detail", reference=order.reference),
        cancel_url=external_url("checkout.detail", reference=order.reference),
        customer_email=order.email, idempotency_key=f"{order.reference}-checkout")
    if error:
        raise PaymentError(error)
    payment.stripe_session_id, payment.provider_data = session["id"], session
    db.session.flush()
    return session["url"]


def _payment_for(session):
    """The payment of a Checkout Session, locked in the one lock order (its order first), or None."""
    payment = db.session.scalar(select(Payment).where(Payment.stripe_session_id == session.get("id")))
    return _locked(payment) if payment is not None else None


def _locked(payment):
    """Lock the payment's order, then the payment, and reload both (see ``orders.lock``)."""
    orders.lock(db.session.get(Order, payment.order_id))
    db.session.refresh(payment, with_for_update=True)
    return payment


def on_completed(session):
    """A Checkout Session finished: paid now (card) or later (async methods)."""
    if session.get("payment_status") == "paid":
        return mark_paid(session)
    return "awaiting asynchronous payment"


def mark_paid(session):
    """Record the payment if its amount is the order's; a late payment for a cancelled order is refunded."""
    payment = _payment_for(session)
    if payment is None:
        return "unknown session"
    order = db.session.get(Order, payment.order_id)
    payment.provider_data, payment.stripe_payment_intent = session, session.get("payment_intent")
    if payment.status in ("succeeded", "refunded"):  # a replay under another event id: nothing to do
        return "already paid" if payment.status == "succeeded" else "already refunded"
    if session.get("amount_total") != order.total_vnd or (session.get("currency") or "").lower() != "vnd":
        if payment.status != "amount_mismatch":
            move(payment, "amount_mismatch", "stripe")
        return "amount mismatch: not paid"
    move(payment, "succeeded", "stripe")
    if order.status == "pending_payment":
        orders.mark_paid(order, "stripe")
        return "paid"
    refund = refunds.refund_late_payment(payment, order)
    if refund.status == "succeeded":
        return "paid after cancellation: refunded"
    current_app.logger.error("refund of late payment %s failed: %s", payment.id, refund.error)
    return "paid after cancellation: refund failed, waiting for finance staff"


def on_failed(session):
    """An asynchronous payment failed: the order is cancelled and its stock returns."""
    payment = _payment_for(session)
    if payment is None:
        return "unknown session"
    if payment.status in ("succeeded", "refunded", "amount_mismatch"):  # the money arrived: a late failure is news
        return f"ignored: payment already {payment.status}"
    if payment.status != "failed":
        move(payment, "failed", "stripe")
    order = db.session.get(Order, payment.order_id)
    if order.status == "pending_payment":
        orders.cancel(order, "stripe", "payment failed")
    return "failed"


def on_expired(session):
    """The customer never paid: the order is cancelled and its stock returns (unless already paid)."""
    payment = _payment_for(session)
    if payment is None:
        return "unknown session"
    order = db.session.get(Order, payment.order_id)
    if payment.status == "pending":
        move(payment, "expired", "stripe")
    if order.status == "pending_payment":
        orders.cancel(order, "stripe", "payment session expired")
        return "expired: cancelled"
    return "expired: ignored"


def on_charge_refunded(charge):
    """Stripe confirms a refund (ours, or one made in Stripe's dashboard): the payment records it."""
    intent = charge.get("payment_intent")
    payment = db.session.scalar(select(Payment).where(Payment.stripe_payment_intent == intent)) if intent else None
    if payment is None:
        return "unknown payment"
    _locked(payment)
    if charge.get("amount_refunded", 0) >= payment.amount_vnd:
        if payment.status != "refunded":
            move(payment, "refunded", "stripe")
        return "refunded in full"
    return "partially refunded"


HANDLERS = {
    "charge.refunded": on_charge_refunded,
    "checkout.session.completed": on_completed,
    "checkout.session.async_payment_succeeded": mark_paid,
    "checkout.session.async_payment_failed": on_failed,
    "checkout.session.expired": on_expired,
}


def apply_stripe_event(event):
    """Apply one verified Stripe event exactly once; return what happened (duplicates change nothing).

    A validly signed event of a shape we cannot read is recorded as ``ignored: malformed`` (and logged), never an
    error: Stripe would retry it for days.
    """
    handler = HANDLERS.get(event.get("type"))
    data = event.get("data")
    target = data.get("object") if isinstance(data, dict) else None
    if handler is None:
        outcome = "ignored"
    elif not isinstance(target, dict):
        current_app.logger.warning("stripe event %s of type %s has no object: ignored", event.get("id"),
                                   event.get("type"))
        outcome = "ignored: malformed"
    else:
        outcome = handler(target)
    db.session.add(ProcessedStripeEvent(id=str(event.get("id"))[:255], type=str(event.get("type"))[:80],
                                        outcome=outcome[:80]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    return outcome


def already_processed(event_id):
    """True when this event id was applied before."""
    return db.session.get(ProcessedStripeEvent, event_id) is not None


def transfer_configured():
    """True when the platform's bank account for VietQR transfers is set."""
    config = current_app.config
    return bool(config.get("BANK_TRANSFER_BIN") and config.get("BANK_TRANSFER_ACCOUNT"))


def start_bank_transfer(order):
    """Record the transfer the customer is asked to make (confirmed later by finance staff)."""
    payment = Payment(order_id=order.id, method="bank_transfer", amount_vnd=order.total_vnd)
    db.session.add(payment)
    db.session.flush()
    return payment


def transfer_payload(order):
    """The VietQR (EMVCo/NAPAS) payload for paying ``order`` by bank transfer."""
    config = current_app.config
    return payload(config["BANK_TRANSFER_BIN"], config["BANK_TRANSFER_ACCOUNT"], order.total_vnd, order.reference,
                   merchant_name=config.get("BANK_TRANSFER_NAME"))


def confirm_transfer(payment, staff):
    """Finance staff saw the money arrive: the payment succeeds and the order is paid."""
    _locked(payment)
    order = db.session.get(Order, payment.order_id)
    if payment.method != "bank_transfer" or payment.status != "pending" or order.status != "pending_payment":
        raise PaymentError("this transfer cannot be confirmed")
    move(payment, "succeeded", staff.email)
    orders.mark_paid(order, staff.email)
    audit.record(None, "payment.transfer_confirmed", payment, None, {"order": order.reference,
                                                                     "amount_vnd": payment.amount_vnd},
                 province_code=order.province_code)
    return order


def reconcile(older_than_minutes=35):
    """Ask the providers about payments stuck in pending and apply their answers; return (reference, outcome) pairs.

    Stripe is asked about card payments still pending after their session should have ended; VNPay and MoMo about
    theirs still pending after ``gateways.QUERY_AFTER_MINUTES`` (a notification lost), or ``older_than_minutes``
    when that is sooner.
    """
    cutoff = datetime.now(UTC) - timedelta(minutes=older_than_minutes)
    pending = db.session.scalars(select(Payment).where(Payment.method == "card", Payment.status == "pending",
                                                       Payment.created_at < cutoff)).all()
    outcomes = []
    for payment in pending:
        session, error = stripe_client.retrieve_checkout_session(payment.stripe_session_id)
        if error:
            outcomes.append((payment.stripe_session_id, f"error: {error}"))
        elif session.get("payment_status") == "paid":
            outcomes.append((payment.stripe_session_id, mark_paid(session)))
        elif session.get("status") == "expired":
            outcomes.append((payment.stripe_session_id, on_expired(session)))
        else:
            outcomes.append((payment.stripe_session_id, "still open"))
    return outcomes + gateways.reconcile(min(older_than_minutes, gateways.QUERY_AFTER_MINUTES))
