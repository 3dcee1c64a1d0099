"""OCOP showrooms (điểm giới thiệu và bán sản phẩm OCOP, criteria of 950/QĐ-BCT)."""

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db

#: Location kinds of Decision 950/QĐ-BCT.
SHOWROOM_KINDS = ("transport_hub", "rest_stop", "mall_market", "tourist_site", "craft_village", "commercial_centre",
                  "fair_centre", "post_office")


class Showroom(TimestampMixin, db.Model):
    """A physical OCOP showroom; its staff check the certificates of what stands on its shelves."""

    __tablename__ = "showroom"
    __table_args__ = (CheckConstraint(f"kind IN {SHOWROOM_KINDS}", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
