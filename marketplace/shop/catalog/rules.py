"""The storefront rule: listed = published + a certificate valid today; sellable = listed + in stock.

Every page, API handler, search and (later) the cart and checkout ask this module; nothing else decides.
"""

from dataclasses import dataclass

from sqlalchemy import and_, select

from marketplace.registry.models import Certificate, Product
from marketplace.registry.rules import VALID, certificate_status, explaining_certificate, valid_on
from marketplace.shop.catalog.models import Listing

#: Reasons, in the order they are reported (contract §4).
REASON_BY_STATUS = {
    "expired": "certificate_expired",
    "revoked": "certificate_revoked",
    "superseded": "certificate_superseded",
    "not_yet_valid": "certificate_not_yet_valid",
}


@dataclass(frozen=True)
class Availability:
    """What the storefront may do with a product today, and why not when it may not."""

    listed: bool
    sellable: bool
    reason: str | None
    certificate: Certificate | None  #: the valid certificate, else the one that explains the reason


def listed_products(day):
    """SELECT of (Product, Listing, Certificate) rows listed on ``day``: the one query expression of the rule."""
    return (
        select(Product, Listing, Certificate)
        .join(Listing, Listing.product_id == Product.id)
        .join(Certificate, and_(Certificate.product_id == Product.id, valid_on(day)))
        .where(Listing.published.is_(True))
    )


def availability(listing, certificates, day):
    """Decide listed/sellable for one product from its listing (or None) and all its certificates."""
    certificate = explaining_certificate(certificates, day)
    if certificate is None:
        return Availability(False, False, "no_certificate", None)
    status = certificate_status(certificate, day)
    if status != VALID:
        return Availability(False, False, REASON_BY_STATUS[status], certificate)
    if listing is None or not listing.published:
        return Availability(False, False, "unpublished", certificate)
    if listing.stock <= 0:
        return Availability(True, False, "out_of_stock", certificate)
    return Availability(True, True, None, certificate)


def packages_price_and_stock(price_vnd, stock, variants=()):
    """(price, in stock) as the product page offers them: the cheapest package in stock, else the cheapest.

    ``price_vnd`` and ``stock`` are the listing's own package (the first); ``variants`` are the others.
    """
    packages = [(price_vnd, stock), *((variant.price_vnd, variant.stock) for variant in variants)]
    in_stock = [price for price, units in packages if units > 0]
    return (min(in_stock), True) if in_stock else (min(price for price, _ in packages), False)
