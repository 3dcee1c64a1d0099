"""Declarative helpers shared by every domain's models, and SQLite's foreign keys switched on."""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column


def utcnow():
    """Timezone-aware current UTC time, for timestamps."""
    return datetime.now(UTC)


class TimestampMixin:
    """``created_at`` / ``updated_at`` columns maintained by SQLAlchemy."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, _record):
    """SQLite enforces foreign keys (and their ON DELETE rules) only when asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
