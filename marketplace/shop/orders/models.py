"""Orders: one customer order, one vendor order per entity, lines that snapshot what was sold, and events."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db
from marketplace.shop.orders.status import ORDER_STATUSES, ORDER_TRANSITIONS, PAYMENT_METHODS, TRANSITIONS


class Order(TimestampMixin, db.Model):
    """What a customer bought in one checkout, across entities; personal fields are erased on request."""

    __tablename__ = "customer_order"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),
        CheckConstraint(f"payment_method IN {PAYMENT_METHODS}", name="payment_method"),
        CheckConstraint("total_vnd = subtotal_vnd + shipping_vnd", name="total"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  #: e.g. ``OCOP-261123-7K3Q``
    #: The checkout form's one-time token: submitting the same form again finds this order instead of a second.
    checkout_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    ward: Mapped[str] = mapped_column(String(120))  #: the commune or ward's official name
    #: Its NSO code in the list in force since 1 July 2025 (NULL on orders placed before the list was used).
    ward_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending_payment")
    payment_method: Mapped[str] = mapped_column(String(20))
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_vnd: Mapped[int] = mapped_column(BigInteger)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    #: Stock stays reserved for an unpaid order until this time; then the order expires and the stock returns.
    reserved_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Its lifecycle (``status.move`` reads it): an order follows its parts, so it may skip steps.
    transitions = ORDER_TRANSITIONS

    def status_event(self, from_status, to_status, actor, note=None):
        """The event row of a status change of this order."""
        return OrderEvent(order_id=self.id, from_status=from_status, to_status=to_status, actor=actor, note=note)


class VendorOrder(TimestampMixin, db.Model):
    """One entity's part of an order, which that entity fulfils."""

    __tablename__ = "vendor_order"
    __table_args__ = (CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    entity_name: Mapped[str] = mapped_column(String(300))  #: snapshot at sale time
    status: Mapped[str] = mapped_column(String(20), default="pending_payment")
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_vnd: Mapped[int] = mapped_column(BigInteger)
    carrier: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    #: When a member of the entity opened or acted on this part; NULL = new to them (a new order, or a payment or
    #: cancellation that arrived since): the dashboard's unread count.
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Its lifecycle (``status.move`` reads it): one step at a time.
    transitions = TRANSITIONS

    def status_event(self, from_status, to_status, actor, note=None):
        """The event row of a status change of this part (the order's id is on it too)."""
        return OrderEvent(order_id=self.order_id, vendor_order_id=self.id, from_status=from_status,
                          to_status=to_status, actor=actor, note=note)


class OrderLine(db.Model):
    """A line as sold: name, entity, price, certificate number and stars are copied, not referenced."""

    __tablename__ = "order_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),
                      CheckConstraint("unit_price_vnd > 0", name="price"))
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_order.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"))
    #: A removed package is forgotten by the database; the line keeps its copied ``variant_label``.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("listing_variant.id", ondelete="SET NULL"))
    variant_label: Mapped[str | None] = mapped_column(String(80))  #: the package chosen, as sold
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    product_name: Mapped[str] = mapped_column(String(300))
    entity_name: Mapped[str] = mapped_column(String(300))
    certificate_number: Mapped[str] = mapped_column(String(120))
    stars: Mapped[int] = mapped_column(SmallInteger)
    unit_price_vnd: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)


class OrderEvent(db.Model):
    """A status change of an order or of one vendor order: who, when, from what to what."""

    __tablename__ = "order_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    vendor_order_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_order.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
