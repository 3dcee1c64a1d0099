"""JSON shapes of the public API (contract §4)."""

from datetime import UTC

from flask import url_for

from marketplace.core.clock import TIMEZONE
from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.opendata import verification_record


def province_json(code):
    """``{code, name, slug}`` of a current province."""
    province = provinces()[code]
    return {"code": province.code, "name": province.name, "slug": province.slug}


def group_json(code):
    """``{code, name, sector}`` of a criteria set."""
    criteria = criteria_sets()[code]
    return {"code": criteria.code, "name": criteria.name_vi, "name_en": criteria.name_en,
            "sector": criteria.sector_code}


def entity_json(entity):
    """``{id, name, type}`` of an entity."""
    return {"id": entity.id, "name": entity.name, "type": entity.entity_type, "slug": entity.slug}


def certificate_summary(certificate):
    """The certificate fields shown with a product."""
    if certificate is None:
        return None
    return {"code": certificate.code, "number": certificate.number, "valid_until": certificate.valid_until.isoformat()}


def product_json(product, entity, listing, certificate, in_stock):
    """One product as the storefront lists it."""
    return {
        "id": product.id, "slug": product.slug, "name": product.name, "entity": entity_json(entity),
        "province": province_json(product.province_code), "group": group_json(product.criteria_set_code),
        "stars": certificate.stars if certificate else None,
        "price_vnd": listing.price_vnd if listing else None, "in_stock": in_stock,
        "certificate": certificate_summary(certificate), "url": url_for("storefront.product", slug=product.slug),
    }


def card_json(card):
    """A :class:`~marketplace.shop.catalog.queries.CardData` as JSON: the price and stock of what can be bought."""
    return {
        "id": card.id, "slug": card.slug, "name": card.name,
        "entity": {"id": card.entity_id, "name": card.entity_name, "type": card.entity_type, "slug": card.entity_slug},
        "province": province_json(card.province_code), "group": group_json(card.criteria_set_code),
        "stars": card.stars, "price_vnd": card.price_vnd, "in_stock": card.in_stock,
        "certificate": {"code": card.certificate_code, "number": card.certificate_number,
                        "valid_until": card.valid_until.isoformat()},
        "url": url_for("storefront.product", slug=card.slug),
    }


def detail_json(detail):
    """A :class:`~marketplace.shop.catalog.queries.ProductDetail` as JSON, with sellable and reason."""
    listing, availability = detail.listing, detail.availability
    data = product_json(detail.product, detail.entity, listing, detail.certificate,
                        bool(listing and listing.stock > 0))
    data.update(sellable=availability.sellable, listed=availability.listed)
    if not availability.sellable:
        data["reason"] = availability.reason
    if listing is not None:
        data.update(description_vi=listing.description_vi, description_en=listing.description_en, unit=listing.unit)
    data["variants"] = [{"id": variant.id, "label": variant.label, "price_vnd": variant.price_vnd,
                         "in_stock": variant.stock > 0} for variant in detail.variants]
    data["also_available_at"] = [{"name": channel.name, "kind": channel.kind, "url": link.url}
                                 for link, channel in detail.elsewhere]
    return data


def verification_json(certificate, day):
    """The verification record of contract §4 (what a showroom device or a QR scan reads)."""
    return verification_record(certificate, day, url_for)


def moment(value):
    """An ISO 8601 date and time in Vietnam's time (SQLite gives back naive UTC datetimes)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(TIMEZONE).isoformat()


def vendor_order_json(part, order, lines=None):
    """An entity's part of an order as the vendor API shows it; with ``lines``, also what to pack and where to."""
    data = {
        "id": part.id, "reference": order.reference, "status": part.status, "payment_method": order.payment_method,
        "subtotal_vnd": part.subtotal_vnd, "shipping_vnd": part.shipping_vnd,
        "total_vnd": part.subtotal_vnd + part.shipping_vnd, "carrier": part.carrier,
        "tracking_number": part.tracking_number, "created_at": moment(part.created_at),
        "updated_at": moment(part.updated_at), "url": url_for("api.vendor_order", vendor_order_id=part.id),
    }
    if lines is not None:
        province = provinces().get(order.province_code)
        data["ship_to"] = {"name": order.name, "phone": order.phone, "address": order.address, "ward": order.ward,
                           "ward_code": order.ward_code,
                           "province": {"code": order.province_code, "name": province.name if province else None}}
        data["lines"] = [{"id": line.id, "listing_id": line.listing_id, "product_id": line.product_id,
                          "product_name": line.product_name, "variant": line.variant_label,
                          "quantity": line.quantity, "unit_price_vnd": line.unit_price_vnd,
                          "certificate_number": line.certificate_number, "stars": line.stars} for line in lines]
    return data


def vendor_listing_json(listing, variants, listed):
    """A listing as its entity's API clients see it: price, stock, package sizes, shown on the storefront or not."""
    product = listing.product
    return {
        "id": listing.id, "product": {"id": product.id, "name": product.name, "slug": product.slug},
        "price_vnd": listing.price_vnd, "stock": listing.stock, "unit": listing.unit, "published": listing.published,
        "listed": listed, "variants": [{"id": variant.id, "label": variant.label, "price_vnd": variant.price_vnd,
                                        "stock": variant.stock} for variant in variants],
        "updated_at": moment(listing.updated_at), "url": url_for("storefront.product", slug=product.slug),
    }
