"""Schema.org JSON-LD for search engines: ``Product`` on product pages, ``Certification`` on ``/verify/<code>``.

The ``<script type="application/ld+json">`` element is written only by :func:`json_ld`, never by a template: it is
a data block (a type that is not JavaScript), which browsers never execute, so the CSP (``script-src 'self'``, no
inline script) does not apply to it and it needs no nonce. Its JSON has ``<``, ``>`` and ``&`` escaped as
JSON unicode escapes, so no text (a product name holding ``</script>``) can end the element.
"""

import json

from markupsafe import Markup

from marketplace.core.i18n import localized
from marketplace.core.security import external_url
from marketplace.registry import gtin as gtins
from marketplace.registry.rules import VALID
from marketplace.shop.catalog.rules import packages_price_and_stock
from marketplace.web.storefront.blueprint import bp
from marketplace.web.storefront.site import share_picture_url

CONTEXT = "https://schema.org"
IN_STOCK, OUT_OF_STOCK = "https://schema.org/InStock", "https://schema.org/OutOfStock"
ACTIVE, INACTIVE = "https://schema.org/CertificationActive", "https://schema.org/CertificationInactive"
#: What JSON may not carry inside an HTML script element, escaped the JavaScript way (JSON parsers read it back).
ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@bp.app_template_global()
def json_ld(data):
    """``data`` as a ``<script type="application/ld+json">`` data block, escaped for HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in ESCAPES.items():
        text = text.replace(character, escaped)
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704 - JSON escaped above


def organization(entity):
    """The OCOP entity as an ``Organization`` (its page on this site)."""
    return {"@type": "Organization", "name": entity.name, "url": external_url("storefront.entity", slug=entity.slug)}


def certification(certificate, status, product=None):
    """The certificate as a ``Certification`` (stars as its ``Rating``); ``product`` adds ``about``."""
    data = {
        "@type": "Certification",
        "@id": external_url("storefront.verify", code=certificate.code),
        "name": f"OCOP {certificate.stars} sao",
        "url": external_url("storefront.verify", code=certificate.code),
        "certificationIdentification": certificate.number,
        "issuedBy": {"@type": "Organization", "name": certificate.issuing_authority},
        "validFrom": certificate.valid_from.isoformat(),
        "expires": certificate.valid_until.isoformat(),
        "certificationStatus": ACTIVE if status == VALID else INACTIVE,
        "certificationRating": {"@type": "Rating", "ratingValue": certificate.stars, "bestRating": 5,
                                "worstRating": 1},
    }
    if product is not None:
        data["about"] = product
    return data


def _offer(detail):
    """The listed product's ``Offer``: the price the page offers (cheapest package in stock), in đồng."""
    price, in_stock = packages_price_and_stock(detail.listing.price_vnd, detail.listing.stock, detail.variants)
    return {"@type": "Offer", "price": price, "priceCurrency": "VND",
            "availability": IN_STOCK if in_stock else OUT_OF_STOCK,
            "url": external_url("storefront.product", slug=detail.product.slug), "seller": organization(detail.entity)}


def _rating(listing):
    """``AggregateRating`` from the listing's review counters, None without ratings (or before reviews exist)."""
    count = getattr(listing, "rating_count", 0) or 0
    total = getattr(listing, "rating_sum", 0) or 0
    if count <= 0:
        return None
    return {"@type": "AggregateRating", "ratingValue": round(total / count, 1), "ratingCount": count,
            "bestRating": 5, "worstRating": 1}


def _images(detail):
    """Absolute picture URLs: the listing's photos, else the generated share picture, else the SVG tile."""
    if detail.images:
        return [external_url("storefront.listing_photo", filename=photo.filename) for photo in detail.images]
    if detail.availability.listed:
        return [share_picture_url(detail)]
    return [external_url("storefront.product_picture", product_id=detail.product.id)]


def product_core(product, entity):
    """What names a product in any JSON-LD: name, page, maker, GTIN."""
    data = {"@type": "Product", "@id": external_url("storefront.product", slug=product.slug) + "#product",
            "name": product.name, "url": external_url("storefront.product", slug=product.slug),
            "brand": {"@type": "Brand", "name": entity.name}, "manufacturer": organization(entity)}
    if product.gtin:
        data["gtin"] = product.gtin
    return data


@bp.app_template_global()
def product_jsonld(detail):
    """A product page's ``Product``: offers only when listed, rating only when rated, its certificate."""
    listing = detail.listing
    description = (localized(listing, "description") if listing is not None else None) or (
        f"{detail.product.name} · {detail.entity.name} · {detail.province.name}")
    data = {"@context": CONTEXT, **product_core(detail.product, detail.entity), "image": _images(detail),
            "description": description[:5000], "category": localized(detail.criteria, "name")}
    if detail.availability.listed and listing is not None:
        data["offers"] = _offer(detail)
    if (rating := _rating(listing)) is not None:
        data["aggregateRating"] = rating
    if detail.certificate is not None:
        data["hasCertification"] = certification(detail.certificate, detail.certificate_status or VALID)
    return data


@bp.app_template_global()
def certification_jsonld(certificate, status, product, entity):
    """``/verify/<code>``'s ``Certification``, ``about`` its product."""
    return {"@context": CONTEXT, **certification(certificate, status, product_core(product, entity))}


@bp.app_template_global()
def gtin_shown(value):
    """A stored GTIN as printed under the barcode, and the GS1 organisation of its prefix."""
    return gtins.shown(value), gtins.issuer(value)

