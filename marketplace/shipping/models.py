"""Shipping: fallback rates, pick-up addresses and free-shipping thresholds, parcels, carrier notifications.

One parcel per vendor order (its quote at checkout, then the carrier's order); each notification is kept once.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db


class ShippingRate(db.Model):
    """An entity's shipping fee for one order part, to one province (NULL: everywhere else).

    The fallback when no carrier quotes: without a carrier configured, or for a ward the carrier does not know.
    """

    __tablename__ = "shipping_rate"
    __table_args__ = (UniqueConstraint("entity_id", "province_code", name="uq_shipping_rate"),
                      CheckConstraint("fee_vnd >= 0", name="fee"))
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    fee_vnd: Mapped[int] = mapped_column(Integer)


class ShippingProfile(TimestampMixin, db.Model):
    """Where an entity's parcels are picked up, and from what order total its shipping is free (set by its members)."""

    __tablename__ = "shipping_profile"
    __table_args__ = (CheckConstraint("free_over_vnd IS NULL OR free_over_vnd > 0", name="free_over"),)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    #: The pick-up ward's NSO code (list in force since 1 July 2025); NULL: the entity's address is read instead.
    ward_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(Text)  #: house number and street, village…
    phone: Mapped[str | None] = mapped_column(String(20))  #: whom the carrier calls to pick up
    #: A producer's part of an order ships free from this subtotal of goods (đồng); NULL: never free.
    free_over_vnd: Mapped[int | None] = mapped_column(BigInteger)


class Shipment(TimestampMixin, db.Model):
    """One vendor order's parcel: the quote the buyer saw, then the carrier's order, its progress and its COD.

    Progress times are the carrier's (the time it gives in each notification) and are kept whatever the order in
    which notifications arrive; the vendor order's status moves only through ``shop/orders/status.move()``.
    """

    __tablename__ = "shipment"
    __table_args__ = (CheckConstraint("cod_vnd >= 0", name="cod"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_order.id"), unique=True)
    #: Who priced the parcel at checkout: ``ghn`` (the carrier's quote) or ``table`` (the entity's rate table).
    quoted_by: Mapped[str] = mapped_column(String(10), default="table")
    quoted_vnd: Mapped[int] = mapped_column(BigInteger, default=0)  #: the price before a free-shipping threshold
    expected_on: Mapped[date | None] = mapped_column(Date)  #: delivery date promised at checkout
    weight_g: Mapped[int | None] = mapped_column(Integer)  #: the parcel as handed to the carrier
    length_cm: Mapped[int | None] = mapped_column(Integer)
    width_cm: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(20))  #: ``ghn`` once the carrier's order exists
    carrier_order_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    carrier_fee_vnd: Mapped[int | None] = mapped_column(BigInteger)  #: what the carrier charges the platform
    cod_vnd: Mapped[int] = mapped_column(BigInteger, default=0)  #: what the carrier collects from the buyer
    carrier_status: Mapped[str | None] = mapped_column(String(40))  #: the carrier's latest word, as it says it
    carrier_status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    picked_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_transit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the carrier transferred the cash it collected (its ``CODTransferDate``), and how much; written only by
    #: ``payments/carrier.py`` together with the COD payment it marks succeeded.
    cod_remitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cod_remitted_vnd: Mapped[int | None] = mapped_column(BigInteger)


class CarrierEvent(db.Model):
    """A carrier notification seen once (by its key: order, kind, status, time, COD transfer); a replay finds it."""

    __tablename__ = "carrier_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64), unique=True)  #: SHA-256 of what identifies the notification
    order_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))  #: GHN's ``Type``: create, switch_status, update_cod…
    status: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict] = mapped_column(JSON)  #: as received
    outcome: Mapped[str] = mapped_column(String(80), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

