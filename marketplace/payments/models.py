"""Payments of orders, their status changes, and the Stripe events already processed (each exactly once)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db
from marketplace.payments.status import PAYMENT_STATUSES, REFUND_STATUSES


class Payment(TimestampMixin, db.Model):
    """One attempt to pay an order (card through Stripe, VNPay, MoMo, or a bank transfer)."""

    __tablename__ = "payment"
    __table_args__ = (CheckConstraint(f"status IN {PAYMENT_STATUSES}", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255))
    #: Our reference for the payment at VNPay or MoMo (``vnp_TxnRef``, MoMo's ``orderId``): the order's reference.
    gateway_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The gateway's number for the payment once made (``vnp_TransactionNo``, MoMo's ``transId``); refunds name it.
    gateway_transaction: Mapped[str | None] = mapped_column(String(64))
    #: What we asked the gateway for: the page where the buyer pays (``url``) and VNPay's ``created`` date.
    gateway_request: Mapped[dict | None] = mapped_column(JSON)
    #: The provider's last payload about this payment, kept as received.
    provider_data: Mapped[dict | None] = mapped_column(JSON)

    def status_event(self, from_status, to_status, actor, note=None):
        """The event row of a status change of this payment (``status.move`` adds it)."""
        return PaymentEvent(payment_id=self.id, from_status=from_status, to_status=to_status, actor=actor, note=note)


class PaymentEvent(db.Model):
    """A status change of a payment: who, when, from what to what (written by ``payments.status.move``)."""

    __tablename__ = "payment_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(254))  #: ``stripe``, or the e-mail of the staff member
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedStripeEvent(db.Model):
    """A Stripe event id seen once; a replay finds the row and changes nothing."""

    __tablename__ = "processed_stripe_event"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Refund(TimestampMixin, db.Model):
    """Money sent back to a customer through the provider, or an attempt the provider refused (kept to retry).

    One row per refund decision, found again by its idempotency key: retrying asks the provider with the same key,
    so a refund is never made twice. Finance staff see failed ones at ``/admin/payments`` with a Retry button.
    """

    __tablename__ = "refund"
    __table_args__ = (CheckConstraint(f"status IN {REFUND_STATUSES}", name="status"),
                      CheckConstraint("amount_vnd > 0", name="amount"))
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    #: What the refund is for: ``late_payment``, ``customer_cancel``, ``vendor_part`` or ``admin``.
    reason: Mapped[str] = mapped_column(String(40))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)  #: the provider's last refusal, as it said it
    attempts: Mapped[int] = mapped_column(Integer, default=1)
