"""The OCOP registry: entities (chủ thể), their certified products, and the certificates that let them sell."""

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from marketplace.core import generation
from marketplace.core.db import TimestampMixin
from marketplace.core.text import fold
from marketplace.extensions import db

ENTITY_TYPES = ("cooperative", "cooperative_group", "enterprise", "household_business")
GENDERS = ("female", "male")
ISSUING_LEVELS = ("province", "ministry", "district")
STATUSES = ("active", "revoked")
SCORE_BANDS = {5: (90, 100), 4: (70, 90), 3: (50, 70)}  #: stars -> [low, high) score band (5 stars: 90-100)


class OfProduct:
    """Rows that belong to one product (``product_id``): audit entries carry that product's province."""

    def audit_province(self):
        """The province of the product this row belongs to (from the session's identity map when loaded)."""
        product = db.session.get(Product, self.product_id) if self.product_id else None
        return product.province_code if product is not None else None


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
    #: ``fold(name)``: what officers' searches match, alike on SQLite and PostgreSQL (kept by ``_fold_name``).
    name_folded: Mapped[str] = mapped_column(String(300), default="")
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    entity_type: Mapped[str] = mapped_column(String(24))
    tax_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    #: Business registration number (enterprise, cooperative or household business certificate) where it differs
    #: from the tax code: shown as the seller's identity (Decree 52/2013/NĐ-CP as amended by 85/2021); officers' field.
    business_registration_number: Mapped[str | None] = mapped_column(String(40))
    #: How buyers reach the seller, kept by the entity's owner on the vendor profile page.
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Legal representative's gender and ethnicity: programme statistics only.
    representative_gender: Mapped[str | None] = mapped_column(String(10))
    representative_ethnicity: Mapped[str | None] = mapped_column(String(40))

    products = relationship("Product", back_populates="entity", lazy="raise")

    @validates("name")
    def _fold_name(self, _key, name):
        """Keep ``name_folded`` in step with every assignment of the name."""
        self.name_folded = fold(name)
        return name

class Product(TimestampMixin, db.Model):
    """A certified OCOP product: identified by (entity, product name as certified)."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("entity_id", "name_key", name="uq_product_entity_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    #: ``fold(name)``: what officers' searches match (kept by ``_fold_name``).
    name_folded: Mapped[str] = mapped_column(String(300), default="")
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    criteria_set_code: Mapped[str] = mapped_column(ForeignKey("criteria_set.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    #: Address as printed on the decision, verbatim (old administrative units included).
    original_address: Mapped[str | None] = mapped_column(Text)
    #: The package's GTIN (barcode number) as 14 digits, check digit verified (``registry/gtin.py``); unique when set.
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)

    entity = relationship("Entity", back_populates="products", lazy="raise")
    certificates = relationship("Certificate", back_populates="product", lazy="raise",
                                foreign_keys="Certificate.product_id")
    listing = relationship("Listing", back_populates="product", uselist=False, lazy="raise")

    @validates("name")
    def _fold_name(self, _key, name):
        """Keep ``name_folded`` in step with every assignment of the name."""
        self.name_folded = fold(name)
        return name


class Certificate(OfProduct, TimestampMixin, db.Model):
    """One OCOP recognition decision for one product (3-5 stars, valid 36 months by default)."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 3 AND 5", name="stars"),
        CheckConstraint(
            "score IS NULL OR (stars = 5 AND score >= 90 AND score <= 100)"
            " OR (stars = 4 AND score >= 70 AND score < 90) OR (stars = 3 AND score >= 50 AND score < 70)",
            name="score_band",
        ),
        CheckConstraint("valid_until >= valid_from", name="validity"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"issuing_level IN {ISSUING_LEVELS}", name="issuing_level"),
        CheckConstraint("status <> 'revoked' OR revoked_on IS NOT NULL", name="revocation_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public code for /verify/<code> and QR codes (Crockford base32, 8 characters).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: Certificate number as the authority writes it; unique in the registry.
    number: Mapped[str] = mapped_column(String(120), unique=True)
    #: ``fold(number)``: "3981/qd-ubnd-007", so an officer may type it without diacritics (kept by ``_fold_number``).
    number_folded: Mapped[str] = mapped_column(String(120), default="")
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    decision_number: Mapped[str] = mapped_column(String(120))
    decision_date: Mapped[date] = mapped_column(Date)
    issuing_authority: Mapped[str] = mapped_column(String(200))
    issuing_level: Mapped[str] = mapped_column(String(10))
    stars: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: The newer certificate of the same product that replaces this one, and the day it takes over.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    superseded_on: Mapped[date | None] = mapped_column(Date)

    product = relationship("Product", back_populates="certificates", lazy="raise")
    superseded_by = relationship("Certificate", remote_side=[id], lazy="raise")

    @validates("number")
    def _fold_number(self, _key, number):
        """Keep ``number_folded`` in step with every assignment of the number."""
        self.number_folded = fold(number)
        return number


REVOCATION_GROUNDS = ("a", "b", "c", "d", "đ", "e")  #: Điều 8, Decision 26/2026/QĐ-TTg
REMINDER_DAYS = (180, 120, 30, 0)  #: days before expiry when the vendor is reminded (each once)


class CertificateReminder(db.Model):
    """A reminder sent to an entity about a certificate's expiry; the unique key makes the sweep idempotent."""

    __tablename__ = "certificate_reminder"
    __table_args__ = (UniqueConstraint("certificate_id", "days_before", name="uq_reminder_once"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    days_before: Mapped[int] = mapped_column(SmallInteger)
    sent_on: Mapped[date] = mapped_column(Date)


# Products, listings and certificates mark through the search hook (search/sync.py); an entity without products
# is on its own page too.
generation.watch(Entity)
