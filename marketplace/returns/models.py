"""Returns and complaints: a case per vendor order, the lines and photos it concerns, and its event log."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db

#: A return (the goods go back) or a complaint (something is wrong; the goods may stay).
KINDS = ("return", "complaint")
#: Why the buyer opens a case (the fixed list; free text goes with it).
REASONS = ("damaged", "wrong_item", "missing_item", "not_as_described", "expired", "quality", "other")
#: Every status a case takes (the moves between them: ``services.TRANSITIONS``).
STATUSES = ("open", "awaiting_return", "refused", "escalated", "refund_due", "refunded", "rejected", "closed",
            "withdrawn")
#: How the producer accepts: the goods come back first, or the buyer keeps them.
RESOLUTIONS = ("send_back", "keep_it")
PHOTO_STATUSES = ("processing", "ready", "failed")


class ReturnCase(TimestampMixin, db.Model):
    """A buyer's return or complaint about one vendor order, answered by its producer, maybe decided by staff."""

    __tablename__ = "return_case"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES}", name="status"),
                      CheckConstraint(f"kind IN {KINDS}", name="kind"),
                      CheckConstraint(f"reason IN {REASONS}", name="reason"),
                      CheckConstraint("refund_vnd IS NULL OR refund_vnd >= 0", name="refund"))
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_order.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)  #: the buyer
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(Text)  #: the buyer's own words
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: Where a refund owed by hand goes (cash on delivery, bank transfer): the buyer's bank, account and name.
    bank_details: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(20))  #: ``send_back`` or ``keep_it`` when accepted
    #: What the producer (refusing, or telling how to send the goods back) or staff (deciding) wrote.
    answer: Mapped[str | None] = mapped_column(Text)
    return_carrier_code: Mapped[str | None] = mapped_column(String(40))  #: the carrier's order for the way back
    refund_vnd: Mapped[int | None] = mapped_column(BigInteger)  #: the amount decided, once decided
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"))  #: the provider's refund, if online
    answer_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  #: the producer's deadline
    escalation_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  #: the buyer's, once refused

    def status_event(self, from_status, to_status, actor, side, note=None, at=None):
        """The event row of a status change of this case."""
        return CaseEvent(case_id=self.id, from_status=from_status, to_status=to_status, actor=actor, side=side,
                         note=note, at=at or utcnow())


class CaseLine(db.Model):
    """An order line a case concerns, how many of it, and how many are refunded once decided."""

    __tablename__ = "return_case_line"
    __table_args__ = (UniqueConstraint("case_id", "order_line_id"),
                      CheckConstraint("quantity > 0", name="quantity"),
                      CheckConstraint("refund_quantity >= 0 AND refund_quantity <= quantity", name="refund_quantity"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_case.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    refund_quantity: Mapped[int] = mapped_column(Integer, default=0)


class CasePhoto(db.Model):
    """A photo the buyer added to a case, through the listing photos' pipeline (checked, then re-encoded by a job)."""

    __tablename__ = "return_case_photo"
    __table_args__ = (CheckConstraint(f"status IN {PHOTO_STATUSES}", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(64), unique=True)
    thumbnail: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="processing")
    failure: Mapped[str | None] = mapped_column(String(40))


class CaseEvent(db.Model):
    """A step of a case: who moved it, when, from what to what, and what they wrote."""

    __tablename__ = "return_case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_case.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(254))  #: an e-mail, or ``system`` for the deadline job
    side: Mapped[str] = mapped_column(String(10))  #: ``buyer``, ``vendor``, ``staff`` or ``system``
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
