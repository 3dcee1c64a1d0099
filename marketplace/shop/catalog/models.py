"""Listings: a vendor's offer for a certified product, its package sizes, photos and daily views."""

from datetime import date

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db
from marketplace.registry.models import OfProduct


class Listing(OfProduct, TimestampMixin, db.Model):
    """A vendor's offer for a certified product: price in whole đồng, stock, descriptions."""

    __tablename__ = "listing"
    __table_args__ = (
        CheckConstraint("price_vnd > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), unique=True)
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    #: Package or unit sold, e.g. "hộp 100 g" (optional).
    unit: Mapped[str | None] = mapped_column(String(80))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True, index=True)

    product = relationship("Product", back_populates="listing", lazy="raise")


class ListingVariant(db.Model):
    """Another package size of a listing (e.g. 500 g besides 250 g) with its own price and stock.

    The listing's own price, stock and ``unit`` are the first option; variants are the others.
    """

    __tablename__ = "listing_variant"
    __table_args__ = (
        UniqueConstraint("listing_id", "label", name="uq_listing_variant_label"),
        CheckConstraint("price_vnd > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)


class ListingImage(db.Model):
    """A product photo of a listing: verified, re-encoded without metadata, with a thumbnail (up to 8)."""

    __tablename__ = "listing_image"
    __table_args__ = (UniqueConstraint("listing_id", "position", name="uq_listing_image_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(80))  #: the re-encoded image in the media folder
    thumbnail: Mapped[str] = mapped_column(String(80))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class ProductView(db.Model):
    """How many times a product page was seen on a day (for the vendor's conversion figures)."""

    __tablename__ = "product_view"
    __table_args__ = (UniqueConstraint("product_id", "day", name="uq_product_view_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)
