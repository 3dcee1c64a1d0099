"""Vendor-side changes to listings (the storefront reads them through the rule; search follows at commit)."""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.registry.rules import VALID, certificate_status, explaining_certificate
from marketplace.shop.catalog.models import Listing, ListingVariant

FIELDS = ("price_vnd", "stock", "unit", "description_vi", "description_en", "published")


def publish_refusal(product, day):
    """Why the product cannot be shown on the storefront today (its certificate), or None."""
    certificates = db.session.scalars(select(Certificate).where(Certificate.product_id == product.id)).all()
    certificate = explaining_certificate(certificates, day)
    if certificate is None:
        return _("This product has no OCOP certificate.")
    status = certificate_status(certificate, day)
    messages = {
        "expired": lambda: _("Its OCOP certificate expired on %(date)s.",
                             date=format_date(certificate.valid_until, "long")),
        "revoked": lambda: _("Its OCOP certificate was revoked on %(date)s.",
                             date=format_date(certificate.revoked_on, "long")),
        "superseded": lambda: _("Its OCOP certificate was replaced."),
        "not_yet_valid": lambda: _("Its OCOP certificate is valid from %(date)s.",
                                   date=format_date(certificate.valid_from, "long")),
    }
    return None if status == VALID else messages[status]()


def save_listing(product, listing, values, actor, day):
    """Create or update a product's listing; a product without a valid certificate is kept as a draft.

    Returns ``(listing, refusal)`` where ``refusal`` says why publishing was refused (the rest is saved).
    """
    refusal = publish_refusal(product, day) if values.get("published") else None
    if refusal:
        values = {**values, "published": False}
    if listing is None:
        listing = Listing(product_id=product.id, **values)
        db.session.add(listing)
        db.session.flush()
        audit.record(actor, "listing.created", listing, None, snapshot(listing, FIELDS))
    else:
        before, after = apply_changes(listing, values)
        if after:
            audit.record(actor, "listing.updated", listing, before, after)
    return listing, refusal


VARIANT_FIELDS = ("label", "price_vnd", "stock")


def save_variant(listing, variant, values, actor):
    """Add a package size to a listing, or change one; Refused when the label is already used."""
    clash = db.session.scalar(select(ListingVariant).where(ListingVariant.listing_id == listing.id,
                                                           ListingVariant.label == values["label"]))
    if (clash is not None and clash is not variant) or values["label"] == (listing.unit or ""):
        raise Refused(_("This listing already has a package called %(label)s.", label=values["label"]))
    if variant is None:
        variant = ListingVariant(listing_id=listing.id, **values)
        db.session.add(variant)
        db.session.flush()
        audit.record(actor, "listing.variant_added", listing, None, snapshot(variant, VARIANT_FIELDS))
    else:
        before, after = apply_changes(variant, values)
        if after:
            audit.record(actor, "listing.variant_updated", listing, before, after)
    db.session.flush()
    return variant


def delete_variant(listing, variant, actor):
    """Remove a package size; the database drops it from baskets and unlinks past order lines (they keep its label)."""
    audit.record(actor, "listing.variant_removed", listing, snapshot(variant, VARIANT_FIELDS), None)
    db.session.delete(variant)
    db.session.flush()


def variants_of(listing_ids):
    """{listing id: [ListingVariant]} by price, for the given listings (one query)."""
    found = {}
    if listing_ids:
        rows = db.session.scalars(select(ListingVariant).where(ListingVariant.listing_id.in_(list(listing_ids)))
                                  .order_by(ListingVariant.price_vnd, ListingVariant.id))
        for variant in rows:
            found.setdefault(variant.listing_id, []).append(variant)
    return found
