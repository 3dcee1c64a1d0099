"""Users, their role and scope, vendor memberships, entity applications and staff invitations."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db

ROLES = ("customer", "vendor", "showroom_staff", "officer", "admin")
MEMBER_ROLES = ("owner", "staff")
APPLICATION_STATUSES = ("pending", "approved", "rejected")


class User(UserMixin, TimestampMixin, db.Model):
    """A person who signs in. One role; officers may be scoped to a province, staff to a showroom."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint("role = 'showroom_staff' OR showroom_id IS NULL", name="showroom_only_for_staff"),
        CheckConstraint("role = 'officer' OR province_code IS NULL", name="province_only_for_officers"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  #: stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="customer")
    preferred_locale: Mapped[str] = mapped_column(String(5), default="vi")
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True)
    #: Officers: their province; NULL means a national officer.
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    #: Showroom staff: their showroom.
    showroom_id: Mapped[int | None] = mapped_column(ForeignKey("showroom.id"))
    #: Bumped on password change or reset: signs out every session and voids outstanding reset links.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    membership = relationship("VendorMembership", back_populates="user", uselist=False, lazy="selectin")

    def get_id(self):
        """Flask-Login identity: id and session version, so a password change ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        """Deactivated and deleted accounts cannot sign in."""
        return self.active

    @property
    def is_national_officer(self):
        """An officer without a province acts nationwide."""
        return self.role == "officer" and self.province_code is None


class VendorMembership(TimestampMixin, db.Model):
    """A user's membership of one OCOP entity, as its owner or as staff."""

    __tablename__ = "vendor_membership"
    __table_args__ = (CheckConstraint(f"role IN {MEMBER_ROLES}", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="staff")

    user = relationship("User", back_populates="membership", lazy="raise")


class EntityApplication(TimestampMixin, db.Model):
    """An OCOP entity's request to sell here, decided by an officer of its province."""

    __tablename__ = "entity_application"
    __table_args__ = (CheckConstraint(f"status IN {APPLICATION_STATUSES}", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: The registry entity it matched (by tax code or name), if any.
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    name: Mapped[str] = mapped_column(String(300))
    entity_type: Mapped[str] = mapped_column(String(24))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class Invitation(TimestampMixin, db.Model):
    """An owner's invitation for someone to join the entity as staff (single use, expiring)."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the token sent by e-mail; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SavedAddress(TimestampMixin, db.Model):
    """A delivery address a customer keeps in their account; at most one is the default."""

    __tablename__ = "saved_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))  #: the recipient
    phone: Mapped[str] = mapped_column(String(20))  #: normalised, ``0XXXXXXXXX``
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    ward_code: Mapped[str] = mapped_column(String(5))  #: NSO code of the commune or ward (list of 1 July 2025)
    ward: Mapped[str] = mapped_column(String(120))  #: its official name, as shown
    address: Mapped[str] = mapped_column(Text)  #: house number and street
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
