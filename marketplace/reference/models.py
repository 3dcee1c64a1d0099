"""Reference tables (loaded from ``data/*.json`` by migrations; never edited by users)."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class Province(db.Model):
    """One of the 34 current provincial units (NSO code since 1 July 2025)."""

    __tablename__ = "province"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  #: ``province`` or ``city``
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class LegacyProvince(db.Model):
    """A pre-2025 province (old NSO code, reused with other meanings since) and the unit it joined."""

    __tablename__ = "legacy_province"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)


class Sector(db.Model):
    """One of the six sectors (ngành) of Decision 26/2026/QĐ-TTg."""

    __tablename__ = "sector"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(7))


class ProductGroup(db.Model):
    """One of the 17 groups (nhóm) of Decision 26/2026/QĐ-TTg."""

    __tablename__ = "product_group"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    sector_code: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))


class CriteriaSet(db.Model):
    """One of the 26 criteria sets (bộ sản phẩm), codes ``01``-``26``."""

    __tablename__ = "criteria_set"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("product_group.code"))
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    ministry: Mapped[str] = mapped_column(String(40))
