"""Listings: a vendor's offer for a certified product, its package sizes, photos and daily views."""

from datetime import date

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import generation
from marketplace.core.db import TimestampMixin
from marketplace.extensions import db
from marketplace.registry.models import OfProduct


class Listing(OfProduct, TimestampMixin, db.Model):
    """A vendor's offer for a certified product: price in whole đồng, stock, descriptions."""

    __tablename__ = "listing"
    __table_args__ = (
        CheckConstraint("price_vnd > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
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
    #: Shipping weight of one unit of the listing's own package, packed (grams): what carriers price. NULL: read
    #: from the package's name ("hộp 500 g"), else the default (``shipping/parcels.py``).
    weight_g: Mapped[int | None] = mapped_column(Integer)
    #: The packed unit's size in centimetres (optional; carriers price bulky parcels by volume).
    length_cm: Mapped[int | None] = mapped_column(Integer)
    width_cm: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    #: Published reviews of the product and the sum of their stars (1–5), kept by ``reviews/status.py`` in the
    #: transaction that publishes, hides, removes or re-rates a review: cards and the rating sort read no other table.
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    product = relationship("Product", back_populates="listing", lazy="raise")

    @property
    def rating_average(self):
        """The average of the published reviews' stars, one decimal (None without reviews)."""
        return rating_average(self.rating_sum, self.rating_count)


def rating_average(rating_sum, rating_count):
    """The average of ``rating_count`` reviews' stars summing to ``rating_sum``, one decimal (None without any)."""
    return round(rating_sum / rating_count, 1) if rating_count else None


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


#: A photo's states: uploaded and waiting for the photo job, shown to buyers, or refused by the full decode.
PHOTO_STATUSES = ("processing", "ready", "failed")


class ListingImage(db.Model):
    """A product photo of a listing: verified, re-encoded without metadata, with a thumbnail (up to 8).

    An upload is ``processing`` until the ``photos.process`` job has made its files (then ``ready``: buyers see only
    these) or found it cannot be decoded (``failed``, with ``failure`` saying why; its owner sees it and deletes it).
    """

    __tablename__ = "listing_image"
    __table_args__ = (UniqueConstraint("listing_id", "position", name="uq_listing_image_position"),
                      CheckConstraint(f"status IN {PHOTO_STATUSES}", name="status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(80))  #: the re-encoded image in the media folder
    thumbnail: Mapped[str] = mapped_column(String(80))
    #: The stored image's size once ready; the upload's declared size while processing.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="ready", server_default="ready")
    #: Why the photo job refused the upload (``photos.FAILURES``: a key, translated when shown); None otherwise.
    failure: Mapped[str | None] = mapped_column(String(40))


class ProductView(db.Model):
    """How many times a product page was seen on a day (for the vendor's conversion figures)."""

    __tablename__ = "product_view"
    __table_args__ = (UniqueConstraint("product_id", "day", name="uq_product_view_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)


generation.watch(ListingImage)  # cards and product pages show the photos (listings are watched by search/sync.py)
