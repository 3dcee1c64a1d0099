"""Append-only audit log: who did what to which object, from what to what, when and from where."""

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import utcnow
from marketplace.extensions import db


class AuditEntry(db.Model):
    """One recorded event or change; rows are only ever inserted."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  #: user e-mail, or ``cli:<command>``, or ``anonymous``
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)  #: e.g. ``certificate.revoked``, ``auth.login``
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    #: The province the subject belongs to: what a provincial officer may read.
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  #: client IP, when a request made the change


def _province_of(subject):
    """The subject's province: its own ``province_code``, else what its ``audit_province()`` says."""
    if subject is None:
        return None
    code = getattr(subject, "province_code", None)
    if code is None and hasattr(subject, "audit_province"):
        code = subject.audit_province()
    return code


def _request_actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.email, current_user.id
    return None, None


def record(actor, action, subject=None, before=None, after=None, address=None, province_code=None):
    """Add an audit entry to the session (the caller's commit writes it).

    ``actor`` may be None inside a request: the signed-in user (or ``anonymous``) is recorded.
    """
    user_email, user_id = _request_actor()
    if has_request_context() and address is None:
        address = request.remote_addr
    entry = AuditEntry(
        actor=actor or user_email or "anonymous", actor_id=user_id, action=action,
        subject_type=subject.__tablename__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        province_code=province_code or _province_of(subject), before=before, after=after, address=address,
    )
    db.session.add(entry)
    return entry
