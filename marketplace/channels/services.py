"""Where an entity and its products are sold besides this marketplace."""

from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.channels.models import EntityChannel, ProductChannel, SalesChannel
from marketplace.core import audit
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Product


def catalogue():
    """Every sales channel, grouped by kind then name."""
    return db.session.scalars(select(SalesChannel).order_by(SalesChannel.kind, SalesChannel.name)).all()


def clean_url(url):
    """An http(s) link or None; anything else is refused (no javascript: links on product pages)."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise Refused(_("Enter a full web address starting with https://."))
    return url


def entity_channels(entity_id):
    """The entity's channels with their catalogue rows."""
    return db.session.execute(select(EntityChannel, SalesChannel)
                              .join(SalesChannel, SalesChannel.id == EntityChannel.channel_id)
                              .where(EntityChannel.entity_id == entity_id).order_by(SalesChannel.name)).all()


def product_channels(product_ids):
    """{product id: [(ProductChannel, SalesChannel)]} for the given products, by channel name."""
    rows = db.session.execute(select(ProductChannel, SalesChannel)
                              .join(SalesChannel, SalesChannel.id == ProductChannel.channel_id)
                              .where(ProductChannel.product_id.in_(list(product_ids)))
                              .order_by(SalesChannel.name)).all()
    found = {}
    for link, channel in rows:
        found.setdefault(link.product_id, []).append((link, channel))
    return found


def add(entity, channel, url, product=None):
    """Record that the entity (or one of its products) is sold in ``channel``; a product implies the entity."""
    url = clean_url(url)
    joined = db.session.scalar(select(EntityChannel).where(EntityChannel.entity_id == entity.id,
                                                           EntityChannel.channel_id == channel.id))
    if joined is None:
        joined = EntityChannel(entity_id=entity.id, channel_id=channel.id, url=None if product else url)
        db.session.add(joined)
    elif product is None:
        joined.url = url
    if product is not None:
        link = db.session.scalar(select(ProductChannel).where(ProductChannel.product_id == product.id,
                                                              ProductChannel.channel_id == channel.id))
        if link is None:
            link = ProductChannel(product_id=product.id, channel_id=channel.id)
            db.session.add(link)
        link.url = url
    after = {"channel": channel.name, "product_id": getattr(product, "id", None), "url": url}
    audit.record(None, "channel.added", entity, None, after)
    db.session.flush()


def remove(entity, link):
    """Stop listing a channel for the entity (with its products there) or for one product."""
    if isinstance(link, EntityChannel):
        mine = select(Product.id).where(Product.entity_id == entity.id)
        for row in db.session.scalars(select(ProductChannel).where(ProductChannel.channel_id == link.channel_id,
                                                                   ProductChannel.product_id.in_(mine))):
            db.session.delete(row)
    audit.record(None, "channel.removed", entity, {"channel_id": link.channel_id}, None)
    db.session.delete(link)
    db.session.flush()
