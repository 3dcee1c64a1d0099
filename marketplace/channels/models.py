"""Modern sales channels (supermarket chains, convenience stores, e-commerce) and where each entity sells."""

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import generation
from marketplace.core.db import TimestampMixin
from marketplace.extensions import db

CHANNEL_KINDS = ("supermarket", "convenience_store", "ecommerce", "own_shop")


class SalesChannel(db.Model):
    """A sales channel: a retail chain, a convenience-store chain, an e-commerce platform, or an own shop."""

    __tablename__ = "sales_channel"
    __table_args__ = (CheckConstraint(f"kind IN {CHANNEL_KINDS}", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))


class EntityChannel(TimestampMixin, db.Model):
    """An entity sells (some of) its products through a channel; optionally a link to its shop there."""

    __tablename__ = "entity_channel"
    __table_args__ = (UniqueConstraint("entity_id", "channel_id", name="uq_entity_channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    url: Mapped[str | None] = mapped_column(String(500))

    #: Modern channels in the programme's sense (919/QĐ-TTg target: at least half of the entities).
    MODERN_KINDS = ("supermarket", "convenience_store", "ecommerce")


class ProductChannel(TimestampMixin, db.Model):
    """Where else a product is sold ("also available at"), with a link to it there."""

    __tablename__ = "product_channel"
    __table_args__ = (UniqueConstraint("product_id", "channel_id", name="uq_product_channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    url: Mapped[str | None] = mapped_column(String(500))


generation.watch(SalesChannel, EntityChannel, ProductChannel)  # product pages show where else a product is sold
