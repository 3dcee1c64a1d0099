"""Consent to marketing mail, as the Personal Data Protection Law (Law 91/2025/QH15) asks.

Given freely, provable, withdrawn as easily: every grant and withdrawal is a row (who, what for, when, from
where, which privacy policy version was shown); the latest row of a purpose is the user's current choice. Rows are
never changed.

Marketing mail goes only to :func:`consenting_users`; nothing else may choose its recipients.
"""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.accounts import policies
from marketplace.accounts.models import User
from marketplace.core.db import utcnow
from marketplace.extensions import db

MARKETING_MAIL = "marketing_mail"
PURPOSES = (MARKETING_MAIL,)
_PURPOSE_LIST = ", ".join(f"'{purpose}'" for purpose in PURPOSES)


class ConsentRecord(db.Model):
    """One grant or withdrawal of consent by a user for one purpose."""

    __tablename__ = "consent_record"
    __table_args__ = (CheckConstraint(f"purpose IN ({_PURPOSE_LIST})", name="purpose"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    #: True: consent given; False: withdrawn.
    given: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The client's address when a request made the choice (None from the command line or a job).
    address: Mapped[str | None] = mapped_column(String(64))
    #: The version of the privacy policy in force when the choice was made (version 1: the built-in text).
    policy_version: Mapped[int] = mapped_column(Integer)


def _latest_ids(purpose):
    """Subquery: the id of each user's latest record for ``purpose``."""
    return (select(func.max(ConsentRecord.id)).where(ConsentRecord.purpose == purpose)
            .group_by(ConsentRecord.user_id))


def has_consent(user, purpose=MARKETING_MAIL):
    """True when the latest record of ``user`` for ``purpose`` is a grant (no record: no consent)."""
    given = db.session.scalar(select(ConsentRecord.given).where(
        ConsentRecord.user_id == user.id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc()).limit(1))
    return bool(given)


def choose(user, given, address=None, purpose=MARKETING_MAIL):
    """Record a grant or a withdrawal when it changes the user's current choice; returns the new record or None."""
    if has_consent(user, purpose) == bool(given):
        return None
    record = ConsentRecord(user_id=user.id, purpose=purpose, given=bool(given), address=address,
                           policy_version=policies.current_version("privacy"))
    db.session.add(record)
    db.session.flush()
    return record


def withdraw_all(user, address=None):
    """Withdraw every consent ``user`` has given (an account being deleted)."""
    for purpose in PURPOSES:
        choose(user, False, address, purpose)


def consenting_users(purpose=MARKETING_MAIL):
    """SELECT of the active, confirmed users whose current choice for ``purpose`` is a grant: marketing's audience."""
    return (select(User).join(ConsentRecord, ConsentRecord.user_id == User.id)
            .where(ConsentRecord.id.in_(_latest_ids(purpose)), ConsentRecord.given.is_(True),
                   User.active.is_(True), User.email_verified_at.is_not(None))
            .order_by(User.id))


def export(user):
    """The user's consent history for the personal-data download, oldest first."""
    records = db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                 .order_by(ConsentRecord.id)).all()
    return {"consents": [{"purpose": r.purpose, "given": r.given, "at": r.at.isoformat(), "address": r.address,
                          "privacy_policy_version": r.policy_version} for r in records]}
