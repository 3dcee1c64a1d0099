"""JSON shapes of the public API (contract §4)."""

from flask import url_for

from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.rules import certificate_status


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
    """A :class:`~marketplace.shop.catalog.queries.ProductCard` as JSON: the price and stock of what can be bought."""
    return {**product_json(card.product, card.entity, card.listing, card.certificate, card.in_stock),
            "price_vnd": card.price_vnd}


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
    product = certificate.product
    return {
        "code": certificate.code, "number": certificate.number, "status": certificate_status(certificate, day),
        "stars": certificate.stars, "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(), "decision_number": certificate.decision_number,
        "decision_date": certificate.decision_date.isoformat(), "issuing_authority": certificate.issuing_authority,
        "issuing_level": certificate.issuing_level,
        "product": {"id": product.id, "name": product.name, "url": url_for("storefront.product", slug=product.slug)},
        "entity": {"name": product.entity.name, "type": product.entity.entity_type},
        "province": {"code": product.province_code, "name": provinces()[product.province_code].name},
        "superseded_by": certificate.superseded_by.code if certificate.superseded_by else None,
        "revoked_on": certificate.revoked_on.isoformat() if certificate.revoked_on else None,
        "revocation_reason": certificate.revocation_reason,
    }
