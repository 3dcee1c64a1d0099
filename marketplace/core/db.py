"""Declarative helpers shared by every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow():
    """Timezone-aware current UTC time, for timestamps."""
    return datetime.now(UTC)


class TimestampMixin:
    """``created_at`` / ``updated_at`` columns maintained by SQLAlchemy."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
