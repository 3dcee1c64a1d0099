"""Vendor-side changes to listings (the storefront reads them through the rule; search follows at commit)."""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.certificates.models import Certificate
from marketplace.certificates.rules import VALID, certificate_status
from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.extensions import db
from marketplace.shop.models import Listing
from marketplace.shop.rules import explaining_certificate

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
