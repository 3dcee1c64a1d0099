"""Append-only audit log: who changed what, from what, to what, when."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import utcnow
from marketplace.extensions import db


class AuditEntry(db.Model):
    """One recorded change; rows are only ever inserted."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))  #: user e-mail, or ``cli:<command>``
    action: Mapped[str] = mapped_column(String(60), index=True)  #: e.g. ``certificate.revoked``
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  #: client IP, when a request made the change


def record(actor, action, subject, before=None, after=None, address=None):
    """Add an audit entry for ``subject`` to the session (the caller's commit writes it)."""
    entry = AuditEntry(actor=actor, action=action, subject_type=subject.__tablename__, subject_id=subject.id,
                       before=before, after=after, address=address)
    db.session.add(entry)
    return entry
