"""OCOP showrooms (điểm giới thiệu và bán sản phẩm OCOP, criteria of 950/QĐ-BCT)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin
from marketplace.extensions import db
from marketplace.registry.models import OfProduct

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


PLACEMENT_STATUSES = ("requested", "accepted", "declined", "displayed", "removed")
#: How placement statuses read on pages.
PLACEMENT_LABELS = {"requested": _l("Requested"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                    "displayed": _l("On display"), "removed": _l("Removed")}


class Placement(OfProduct, TimestampMixin, db.Model):
    """A product's place on a showroom's shelf: requested by its vendor or added by staff, then decided."""

    __tablename__ = "showroom_placement"
    __table_args__ = (
        CheckConstraint(f"status IN {PLACEMENT_STATUSES}", name="status"),
        UniqueConstraint("showroom_id", "product_id", name="uq_placement_showroom_product"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showroom.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    #: Set only by ``showrooms.services.move``; a new placement has none until its first move (place or request).
    status: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)  #: the staff's reason or remark, shown to the vendor


class ShowroomNotice(db.Model):
    """A notice to a showroom that a product on its shelf lost its certificate (sent once per certificate)."""

    __tablename__ = "showroom_notice"
    __table_args__ = (UniqueConstraint("showroom_id", "certificate_id", "kind", name="uq_notice_once"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showroom.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))
    kind: Mapped[str] = mapped_column(String(10))  #: ``expired`` or ``revoked``
    sent_on: Mapped[date] = mapped_column(Date)
