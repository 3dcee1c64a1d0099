"""OCOP certificates: the decision that gives a product its stars and its right to be sold."""

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db

ISSUING_LEVELS = ("province", "ministry", "district")
STATUSES = ("active", "revoked")
SCORE_BANDS = {5: (90, 100), 4: (70, 90), 3: (50, 70)}  #: stars -> [low, high) score band (5 stars: 90-100)


class Certificate(TimestampMixin, db.Model):
    """One OCOP recognition decision for one product (3-5 stars, valid 36 months by default)."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 3 AND 5", name="stars"),
        CheckConstraint(
            "score IS NULL OR (stars = 5 AND score >= 90 AND score <= 100)"
            " OR (stars = 4 AND score >= 70 AND score < 90) OR (stars = 3 AND score >= 50 AND score < 70)",
            name="score_band",
        ),
        CheckConstraint("valid_until >= valid_from", name="validity"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"issuing_level IN {ISSUING_LEVELS}", name="issuing_level"),
        CheckConstraint("status <> 'revoked' OR revoked_on IS NOT NULL", name="revocation_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public code for /verify/<code> and QR codes (Crockford base32, 8 characters).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: Certificate number as the authority writes it; unique in the registry.
    number: Mapped[str] = mapped_column(String(120), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    decision_number: Mapped[str] = mapped_column(String(120))
    decision_date: Mapped[date] = mapped_column(Date)
    issuing_authority: Mapped[str] = mapped_column(String(200))
    issuing_level: Mapped[str] = mapped_column(String(10))
    stars: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: The newer certificate of the same product that replaces this one, and the day it takes over.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    superseded_on: Mapped[date | None] = mapped_column(Date)

    product = relationship("Product", back_populates="certificates", lazy="raise")
    superseded_by = relationship("Certificate", remote_side=[id], lazy="raise")


REVOCATION_GROUNDS = ("a", "b", "c", "d", "đ", "e")  #: Điều 8, Decision 26/2026/QĐ-TTg
REMINDER_DAYS = (180, 120, 30, 0)  #: days before expiry when the vendor is reminded (each once)


class CertificateReminder(db.Model):
    """A reminder sent to an entity about a certificate's expiry; the unique key makes the sweep idempotent."""

    __tablename__ = "certificate_reminder"
    __table_args__ = (UniqueConstraint("certificate_id", "days_before", name="uq_reminder_once"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    days_before: Mapped[int] = mapped_column(SmallInteger)
    sent_on: Mapped[date] = mapped_column(Date)
