"""Declarative helpers shared by every domain's models, and SQLite's foreign keys switched on."""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, event, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core import generation
from marketplace.extensions import db


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


def compare_and_set_status(obj, current, target):
    """``UPDATE … SET status = target WHERE id = obj.id AND status = current``; True when this caller won.

    The conditional UPDATE is atomic in the database: of two transactions moving the same row from ``current``,
    exactly one matches (the other waits for its row lock, then finds the new status and matches nothing).
    """
    model = type(obj)
    db.session.flush()  # the object's other pending changes are written first
    values = {"status": target}
    if hasattr(model, "updated_at"):
        values["updated_at"] = utcnow()
    statement = update(model).where(model.id == obj.id, model.status == current).values(**values)
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        db.session.refresh(obj)
        return False
    if generation.watches(model):  # a bulk UPDATE the flush hooks do not see (e.g. a photo becoming ready)
        generation.mark(db.session)
    for name, value in values.items():
        set_committed_value(obj, name, value)
    return True
