"""Payments of orders and the Stripe events already processed (each exactly once)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db

PAYMENT_STATUSES = ("pending", "succeeded", "failed", "expired", "refunded", "amount_mismatch")


class Payment(TimestampMixin, db.Model):
    """One attempt to pay an order (card through Stripe, or a bank transfer)."""

    __tablename__ = "payment"
    __table_args__ = (CheckConstraint(f"status IN {PAYMENT_STATUSES}", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255))
    #: The provider's last payload about this payment, kept as received.
    provider_data: Mapped[dict | None] = mapped_column(JSON)


class ProcessedStripeEvent(db.Model):
    """A Stripe event id seen once; a replay finds the row and changes nothing."""

    __tablename__ = "processed_stripe_event"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
