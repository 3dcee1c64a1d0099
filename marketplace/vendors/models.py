"""OCOP entities (chủ thể OCOP): the cooperatives, groups, enterprises and households that sell."""

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db

ENTITY_TYPES = ("cooperative", "cooperative_group", "enterprise", "household_business")
GENDERS = ("female", "male")


class Entity(TimestampMixin, db.Model):
    """An OCOP entity; identified by its tax code when known, else by its name."""

    __tablename__ = "entity"
    __table_args__ = (
        CheckConstraint(f"entity_type IN {ENTITY_TYPES}", name="entity_type"),
        CheckConstraint(f"representative_gender IS NULL OR representative_gender IN {GENDERS}", name="gender"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: NFC, case-folded name: the identity when there is no tax code.
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    entity_type: Mapped[str] = mapped_column(String(24))
    tax_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    #: Legal representative's gender and ethnicity: programme statistics only.
    representative_gender: Mapped[str | None] = mapped_column(String(10))
    representative_ethnicity: Mapped[str | None] = mapped_column(String(40))

    products = relationship("Product", back_populates="entity", lazy="raise")
