"""VNPay and MoMo behind the payment interface: start a payment, apply notifications, read returns, reconcile.

A gateway's notification (IPN) is the truth. It is verified (signature, terminal or partner), matched to the payment
by our reference, checked against the payment's amount and applied once: a replay finds the payment settled and
changes nothing. It may arrive in any order with the buyer's return, a cancellation, the order's expiry or a
reconciliation: every change starts with ``orders.lock`` and a fresh read, and a payment that arrives after its order
was cancelled is recorded, then refunded at once through ``refunds.py``. The buyer's return page reads the gateway's
verdict to show it and decides nothing. When a notification never comes (the gateway could not reach us),
``reconcile`` asks the gateway.

The flush is ours, the commit the caller's (a view, a job), as everywhere.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.core import clock
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.payments import momo_client, refunds, vnpay_client
from marketplace.payments.models import Payment
from marketplace.payments.status import PaymentError, move
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order

log = logging.getLogger(__name__)

GATEWAYS = ("vnpay", "momo")
CLIENTS = {"vnpay": vnpay_client, "momo": momo_client}
#: Payment statuses a gateway's verdict may still change (a payment made after expiry is recorded, then refunded).
OPEN = ("pending", "expired")
#: Minutes after which a payment still pending is asked about at its gateway (its notification may be lost).
QUERY_AFTER_MINUTES = 5


@dataclass
class Verdict:
    """What a gateway says about one payment: ``outcome`` is paid, failed, expired, waiting or unknown."""

    reference: str
    outcome: str
    amount_vnd: int | None
    transaction: str | None
    code: str
    data: dict


def is_available(method):
    """True when ``method`` (vnpay or momo) can be offered: configured, or simulated in development."""
    return CLIENTS[method].is_available()


def start_payment(order, ip_address, locale):
    """Ask the gateway where the buyer pays ``order`` and return that address; PaymentError when it cannot start."""
    payment = Payment(order_id=order.id, method=order.payment_method, amount_vnd=order.total_vnd,
                      gateway_reference=order.reference)
    db.session.add(payment)
    db.session.flush()
    starter = _start_vnpay if payment.method == "vnpay" else _start_momo
    request, error = starter(order, payment, ip_address, locale)
    if error:
        raise PaymentError(error)
    payment.gateway_request = request
    db.session.flush()
    return request["url"]


def _start_vnpay(order, payment, ip_address, locale):
    """The signed VNPay address, open as long as the order's stock is held (``RESERVATION_MINUTES``)."""
    created = clock.now()
    until = created + timedelta(minutes=current_app.config["RESERVATION_MINUTES"])
    url, error = vnpay_client.payment_url(
        payment.gateway_reference, payment.amount_vnd, f"Thanh toan don hang {order.reference}",
        external_url("checkout.gateway_return", gateway="vnpay"), ip_address or "127.0.0.1", created, until,
        locale="en" if locale == "en" else "vn")
    return {"url": url, "created": vnpay_client.timestamp(created)}, error


def _start_momo(order, payment, _ip_address, locale):
    """MoMo's payment page (payUrl) for the order, created once (its request id is the idempotency key)."""
    answer, error = momo_client.create_payment(
        payment.gateway_reference, payment.amount_vnd, f"Thanh toán đơn hàng {order.reference}",
        external_url("checkout.gateway_return", gateway="momo"), external_url("webhooks.momo_ipn"),
        request_id=f"{payment.gateway_reference}-create", lang="en" if locale == "en" else "vi")
    if error:
        return None, error
    return {"url": answer["payUrl"], "qr": answer.get("qrCodeUrl")}, None


def pay_url(order):
    """Where the buyer pays ``order`` while its gateway payment is pending, or None."""
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id, Payment.method.in_(GATEWAYS),
                                                      Payment.status == "pending"))
    return (payment.gateway_request or {}).get("url") if payment is not None else None


# -- Verdicts ----------------------------------------------------------------------------------------------------
def _number(value):
    """An integer sent as a number (JSON) or as digits (a query string), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() else None


def vnpay_verdict(fields):
    """VNPay's verified return, IPN or ``querydr`` answer in our words."""
    code, status = str(fields.get("vnp_ResponseCode")), str(fields.get("vnp_TransactionStatus"))
    if code == "91":  # querydr: VNPay knows no such payment (the buyer never went on)
        outcome = "unknown"
    elif code != "00":
        outcome = "failed"
    else:  # querydr also answers "01" (not finished yet), and refund states after a payment
        outcome = {"00": "paid", "01": "waiting", "02": "failed"}.get(status, "unknown")
    amount = vnpay_client.from_vnpay_amount(fields.get("vnp_Amount"))
    transaction = str(fields.get("vnp_TransactionNo") or "") or None
    return Verdict(str(fields.get("vnp_TxnRef") or ""), outcome, amount, transaction, code, fields)


def momo_verdict(fields):
    """MoMo's verified notification, redirect or query answer in our words."""
    code = _number(fields.get("resultCode"))
    if code in momo_client.PAID_CODES:
        outcome = "paid"
    elif code in momo_client.WAITING_CODES:
        outcome = "waiting"
    else:
        outcome = {momo_client.EXPIRED_CODE: "expired", momo_client.UNKNOWN_CODE: "unknown"}.get(code, "failed")
    transaction = _number(fields.get("transId"))
    return Verdict(str(fields.get("orderId") or ""), outcome, _number(fields.get("amount")),
                   str(transaction) if transaction else None, str(code), fields)


# -- Notifications -----------------------------------------------------------------------------------------------
def apply_vnpay_notification(params):
    """Apply VNPay's IPN once; return VNPay's ``(RspCode, Message)`` (its documented answers)."""
    fields, error = vnpay_client.verify(params)
    if error:
        log.warning("vnpay notification refused: %s", error)
        return "97", "Invalid signature"
    verdict = vnpay_verdict(fields)
    payment = _payment("vnpay", verdict.reference)
    if payment is None:
        return "01", "Order not found"
    _locked(payment)
    if verdict.amount_vnd != payment.amount_vnd:
        _refuse_amount(payment, verdict)
        return "04", "Invalid amount"
    if payment.status not in OPEN:
        return "02", "Order already confirmed"
    log.info("vnpay %s: %s", verdict.reference, apply(payment, verdict))
    return "00", "Confirm Success"


def apply_momo_notification(body):
    """Apply MoMo's IPN once; return (HTTP status, outcome): 204 once recorded, so MoMo stops sending it."""
    fields, error = momo_client.verify_notification(body)
    if error:
        log.warning("momo notification refused: %s", error)
        return 400, "invalid signature"
    verdict = momo_verdict(fields)
    payment = _payment("momo", verdict.reference)
    if payment is None:
        return 404, "unknown order"
    _locked(payment)
    if verdict.outcome == "paid" and verdict.amount_vnd != payment.amount_vnd:
        _refuse_amount(payment, verdict)
        return 204, "amount mismatch: not paid"
    if payment.status not in OPEN:
        return 204, f"duplicate: already {payment.status}"
    return 204, apply(payment, verdict)


def apply(payment, verdict):
    """Record a verified verdict on a locked, open payment; return what happened.

    Paid: the order is paid, or, when it was cancelled meanwhile, the money is refunded at once (a refund the gateway
    refuses waits for finance staff). Failed or expired: the order is cancelled and its stock returns.
    """
    order = db.session.get(Order, payment.order_id)
    payment.provider_data = verdict.data
    actor = payment.method
    if verdict.outcome == "paid":
        payment.gateway_transaction = verdict.transaction
        move(payment, "succeeded", actor)
        if order.status == "pending_payment":
            orders.mark_paid(order, actor)
            return "paid"
        if refunds.refund_late_payment(payment, order).status == "succeeded":
            return "paid after cancellation: refunded"
        log.error("refund of late %s payment %s failed", actor, payment.id)
        return "paid after cancellation: refund failed, waiting for finance staff"
    if verdict.outcome in ("waiting", "unknown"):
        return "waiting"
    target = "expired" if verdict.outcome == "expired" else "failed"
    if payment.status == "pending":
        move(payment, target, actor, f"{actor} code {verdict.code}")
    if order.status == "pending_payment":
        orders.cancel(order, actor, f"payment {target}")
    return target


def _refuse_amount(payment, verdict):
    """A verdict whose amount is not the payment's: not accepted; money that arrived can only be refunded."""
    log.error("%s payment %s: amount %s instead of %s", payment.method, payment.id, verdict.amount_vnd,
              payment.amount_vnd)
    payment.provider_data = verdict.data
    if verdict.outcome == "paid" and payment.status in OPEN:
        move(payment, "amount_mismatch", payment.method)


def _payment(method, reference):
    """The ``method`` payment of our ``reference``, or None."""
    if not reference:
        return None
    return db.session.scalar(select(Payment).where(Payment.method == method, Payment.gateway_reference == reference))


def _locked(payment):
    """Lock the payment's order, then the payment, and reload both (the one lock order, see ``orders.lock``)."""
    orders.lock(db.session.get(Order, payment.order_id))
    db.session.refresh(payment, with_for_update=True)
    return payment


# -- The buyer's return ------------------------------------------------------------------------------------------
def read_return(gateway, params):
    """(payment, order, verdict) of a return whose signature holds, else None; it changes nothing."""
    if gateway == "vnpay":
        fields, error = vnpay_client.verify(params)
        verdict = None if error else vnpay_verdict(fields)
    else:
        fields, error = momo_client.verify_notification(params.to_dict())
        verdict = None if error else momo_verdict(fields)
    payment = _payment(gateway, verdict.reference) if verdict else None
    if payment is None:
        return None
    return payment, db.session.get(Order, payment.order_id), verdict


# -- Reconciliation ----------------------------------------------------------------------------------------------
def reconcile(older_than_minutes=QUERY_AFTER_MINUTES):
    """Ask the gateways about payments pending for ``older_than_minutes``; apply the answers (reference, outcome)."""
    cutoff = datetime.now(UTC) - timedelta(minutes=older_than_minutes)
    pending = db.session.scalars(select(Payment).where(Payment.method.in_(GATEWAYS), Payment.status == "pending",
                                                       Payment.created_at < cutoff).order_by(Payment.id)).all()
    return [(payment.gateway_reference, _reconcile_one(payment)) for payment in pending]


def _reconcile_one(payment):
    """Ask the gateway about one payment and apply its verdict (the payment may have settled meanwhile)."""
    verdict, error = _ask(payment)
    if error:
        return f"error: {error}"
    _locked(payment)
    if payment.status != "pending":
        return f"already {payment.status}"
    if verdict.outcome == "paid" and verdict.amount_vnd != payment.amount_vnd:
        _refuse_amount(payment, verdict)
        return "amount mismatch: not paid"
    if verdict.outcome in ("waiting", "unknown"):
        if db.session.get(Order, payment.order_id).status == "pending_payment":
            return "still open"
        move(payment, "expired", payment.method, "the order ended before the buyer paid")
        return "expired"
    return apply(payment, verdict)


def _ask(payment):
    """The gateway's verdict on ``payment`` now: ``(verdict, None)`` or ``(None, error)``."""
    request_id = uuid.uuid4().hex
    if payment.method == "vnpay":
        answer, error = vnpay_client.query_transaction(payment.gateway_reference,
                                                       (payment.gateway_request or {}).get("created"),
                                                       f"Truy van giao dich {payment.gateway_reference}", request_id)
        return (None, error) if error else (vnpay_verdict(answer), None)
    answer, error = momo_client.query_payment(payment.gateway_reference, request_id)
    return (None, error) if error else (momo_verdict(answer), None)
