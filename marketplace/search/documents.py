"""Product documents for the index, built from the database with the storefront rule."""

from datetime import UTC, timedelta

from sqlalchemy import select

from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.search.analysis import folded_words
from marketplace.shop.catalog.models import ListingVariant
from marketplace.shop.catalog.rules import listed_products, packages_price_and_stock

CHUNK = 500


def listed_until(certificate, chain):
    """Last day the product stays listed: through newer certificates that take over without a gap.

    ``chain`` maps certificate ids to the product's certificates. A revoked successor ends the listing the
    day before it would have taken over; a gap between two certificates ends it at the older one's expiry.
    """
    current, until = certificate, certificate.valid_until
    while current.superseded_by_id is not None:
        newer = chain.get(current.superseded_by_id)
        handover = current.superseded_on
        if newer is None or newer.status != "active":
            return min(until, handover - timedelta(days=1))
        if handover - timedelta(days=1) > until:
            return until
        current, until = newer, newer.valid_until
    return until


def body_text(product, entity, listing):
    """What a shopper may type besides the name and category: maker, places, package, description."""
    province = provinces()[product.province_code]
    parts = [entity.name, province.name, *province.legacy_names, *province.aliases, product.original_address or "",
             listing.unit or "", listing.description_vi or "", listing.description_en or ""]
    return " \n".join(part for part in parts if part)


def category_text(product):
    """The product's criteria set, group and sector names in both languages."""
    criteria = criteria_sets()[product.criteria_set_code]
    return " \n".join([criteria.name_vi, criteria.name_en, criteria.group_name_vi, criteria.group_name_en,
                        criteria.sector_name_vi, criteria.sector_name_en])


def created_timestamp(created):
    """A listing's creation time as whole seconds since the epoch (naive times are UTC)."""
    return int((created if created.tzinfo is not None else created.replace(tzinfo=UTC)).timestamp())


def document(product, listing, certificate, entity, chain, variants=()):
    """The index document of one listed product (``variants``: the listing's other packages)."""
    province = provinces()[product.province_code]
    price, in_stock = packages_price_and_stock(listing.price_vnd, listing.stock, variants)
    return {
        "product_id": str(product.id), "name": product.name, "name_exact": product.name,
        "name_pairs": product.name, "body": body_text(product, entity, listing),
        "category": category_text(product),
        "place": " \n".join([province.name, *province.legacy_names, product.original_address or ""]),
        "entity": str(product.entity_id).encode(), "province": product.province_code.encode(),
        "criteria": product.criteria_set_code.encode(), "stars": certificate.stars,
        "price": price, "in_stock": 1 if in_stock else 0,
        "listed_until": listed_until(certificate, chain).toordinal(), "created": created_timestamp(listing.created_at),
        "name_len": min(len(folded_words(product.name)), 255),
    }


def documents_for(session, day, product_ids=None):
    """``{product_id: document}`` for the listed products among ``product_ids`` (all when None)."""
    ids = sorted(product_ids) if product_ids is not None else None
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)] if ids is not None else [None]
    result = {}
    for chunk in chunks:
        stmt = listed_products(day).add_columns(Entity).join(Entity, Entity.id == Product.entity_id)
        if chunk is not None:
            stmt = stmt.where(Product.id.in_(chunk))
        rows = session.execute(stmt).all()
        chain = _newer_certificates(session, [product.id for product, *_ in rows])
        variants = variants_by_listing(session, [listing.id for _, listing, *_ in rows])
        for product, listing, certificate, entity in rows:
            result[product.id] = document(product, listing, certificate, entity, chain, variants.get(listing.id, ()))
    return result


def variants_by_listing(session, listing_ids):
    """``{listing id: [(price_vnd, stock) rows]}`` of the listings' other packages."""
    found = {}
    for start in range(0, len(listing_ids), CHUNK):
        part = listing_ids[start:start + CHUNK]
        query = select(ListingVariant.listing_id, ListingVariant.price_vnd, ListingVariant.stock)
        for row in session.execute(query.where(ListingVariant.listing_id.in_(part))):
            found.setdefault(row.listing_id, []).append(row)
    return found


def listed_exists(session, day, outside=None):
    """True when some product is listed on ``day`` (outside the ids selected by ``outside``, when given)."""
    stmt = listed_products(day).with_only_columns(Product.id)
    if outside is not None:
        stmt = stmt.where(Product.id.not_in(outside))
    return session.scalar(select(stmt.limit(1).exists())) or False


def _newer_certificates(session, product_ids):
    """Certificates of these products by id (to follow supersession chains)."""
    chain = {}
    for start in range(0, len(product_ids), CHUNK):
        part = product_ids[start:start + CHUNK]
        chain.update({c.id: c for c in session.scalars(select(Certificate).where(Certificate.product_id.in_(part)))})
    return chain

