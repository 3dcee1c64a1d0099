"""Baskets: one per signed-in customer, or per anonymous visitor (a random token in the session)."""

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db
from marketplace.shipping.models import ShippingRate  # noqa: F401  (the fallback rates moved to shipping/)


class Cart(TimestampMixin, db.Model):
    """A basket; exactly one of ``user_id`` and ``token`` identifies it."""

    __tablename__ = "cart"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (token IS NULL)", name="owner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)


class CartLine(db.Model):
    """A listing (or one of its variants) in a basket, with a quantity."""

    __tablename__ = "cart_line"
    __table_args__ = (UniqueConstraint("cart_id", "listing_id", "variant_id", name="uq_cart_line_variant"),
                      CheckConstraint("quantity > 0", name="quantity"))
    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    #: None: the listing itself. A removed package leaves every basket with it (the database deletes the line).
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("listing_variant.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)

