"""Reviews: one per delivered order line, of the registry's product; their photos, reports and event trail."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import generation
from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db

#: A review's states: shown; held by the word filter until an admin looks; hidden by a report until an admin
#: decides; removed by an admin (kept, never shown). ``services.TRANSITIONS`` says how they follow each other.
REVIEW_STATUSES = ("published", "held", "hidden", "removed")
#: Why someone reports a review (``ReviewReport.reason``).
REPORT_REASONS = ("abusive", "spam", "off_topic", "personal_data", "other")
#: A review photo's states, as for listing photos (``shop/catalog/photos.py``).
PHOTO_STATUSES = ("processing", "ready", "failed")
#: What a review's event records: a status change, or an edit, a reply or a report.
EVENT_ACTIONS = ("moved", "edited", "replied", "reported")


class Review(TimestampMixin, db.Model):
    """A buyer's rating (1–5 stars) and text about a product they received: one per order line.

    It belongs to the registry's product, not to a certificate or a listing, so it outlives renewals and upgrades.
    ``created_at`` is set from ``core.clock`` when written: the 30-day edit window runs from it.
    """

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(f"status IN {REVIEW_STATUSES}", name="status"),
        Index("ix_review_product_status", "product_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    #: The delivered line this review is about: one review per line.
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))
    #: The words the filter found when it held the review (for the admin who decides), else None.
    held_words: Mapped[str | None] = mapped_column(String(200))
    #: An admin kept the current text after a report or the filter: later reports queue without hiding it.
    cleared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The vendor's one public reply.
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reply_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReviewPhoto(db.Model):
    """A buyer's photo of a review (up to 5): checked, then re-encoded by the ``reviews.photos.process`` job."""

    __tablename__ = "review_photo"
    __table_args__ = (UniqueConstraint("review_id", "position", name="uq_review_photo_position"),
                      CheckConstraint(f"status IN {PHOTO_STATUSES}", name="status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(80))  #: the re-encoded image in the reviews store
    thumbnail: Mapped[str] = mapped_column(String(80))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="processing")
    failure: Mapped[str | None] = mapped_column(String(40))  #: ``photos.FAILURES`` key when refused by the job


class ReviewReport(db.Model):
    """Someone signed in reporting a review; open until an admin decides on the review."""

    __tablename__ = "review_report"
    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_review_report_user"),
                      CheckConstraint(f"reason IN {REPORT_REASONS}", name="reason"))
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When an admin decided on the review (restored or removed it); None while open.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewEvent(db.Model):
    """The review's trail: who moved, edited, answered or reported it, and when."""

    __tablename__ = "review_event"
    __table_args__ = (CheckConstraint(f"action IN {EVENT_ACTIONS}", name="action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


generation.watch(Review, ReviewPhoto)  # product pages show published reviews and their photos
