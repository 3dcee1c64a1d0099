"""GTINs (the barcode number on a package) and GS1 Digital Link paths, read by biip (check digit, GS1 prefix).

A product's GTIN is kept as 14 digits (GTIN-14, the form a GS1 Digital Link carries after ``/01/``), so the
same barcode typed as GTIN-8, -12, -13 or -14 finds the same product. Any valid GTIN is accepted; the prefix
says which GS1 member organisation issued it (893: GS1 Vietnam).
"""

from dataclasses import dataclass, field

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gtin import Gtin, GtinFormat
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Product

#: Vietnam's GS1 prefix.
VIETNAM_PREFIX = "893"
#: The Application Identifier of a GTIN in a GS1 Digital Link (``/01/<gtin>``).
GTIN_AI = "01"
#: How each GTIN format is shown: its own number of digits.
SHOWN_AS = {GtinFormat.GTIN_8: "as_gtin_8", GtinFormat.GTIN_12: "as_gtin_12", GtinFormat.GTIN_13: "as_gtin_13",
            GtinFormat.GTIN_14: "as_gtin_14"}


class GtinError(Refused):
    """Text that is not a valid GTIN or GS1 Digital Link; ``message`` says why, translated."""


@dataclass(frozen=True)
class DigitalLink:
    """What a GS1 Digital Link carries: the GTIN (14 digits) and its other qualifiers (lot, serial, expiry...)."""

    gtin: str
    qualifiers: list = field(default_factory=list)  #: [(data title, value)] after the GTIN, in order


def parse(text):
    """The biip ``Gtin`` of ``text`` (8, 12, 13 or 14 digits; spaces and dashes ignored); GtinError when invalid."""
    digits = "".join((text or "").split()).replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise GtinError(_("A GTIN is 8, 12, 13 or 14 digits."))
    try:
        return Gtin.parse(digits)
    except ParseError as error:
        raise GtinError(_reason(str(error))) from error


def normalize(text):
    """``text`` as the 14 digits a product keeps; GtinError when it is not a valid GTIN."""
    return parse(text).as_gtin_14()


def shown(gtin14):
    """A stored GTIN in its own format (GTIN-13 for most packages), as printed under the barcode."""
    value = Gtin.parse(gtin14)
    return getattr(value, SHOWN_AS.get(value.format, "as_gtin_14"))()


def issuer(gtin14):
    """The GS1 organisation whose prefix starts the GTIN (e.g. ``GS1 Vietnam``), None when biip knows none."""
    prefix = Gtin.parse(gtin14).prefix
    return prefix.usage if prefix is not None else None


def is_vietnamese(gtin14):
    """True when the GTIN carries Vietnam's GS1 prefix (893)."""
    prefix = Gtin.parse(gtin14).prefix
    return prefix is not None and prefix.value == VIETNAM_PREFIX


def digital_link_path(gtin14):
    """The path of a product's GS1 Digital Link on this site: ``/01/<14 digits>``."""
    return f"/{GTIN_AI}/{gtin14}"


def read_digital_link(base_url, path, query=""):
    """Read a GS1 Digital Link path (``/01/<gtin>[/10/<lot>…][?…]``) on ``base_url``; GtinError when invalid.

    The GTIN's check digit is verified; an invalid qualifier (a lot too long, a date that is none) is refused
    too, since the label that carries it was printed wrong.
    """
    uri = f"{base_url.rstrip('/')}{path}" + (f"?{query}" if query else "")
    try:
        link = GS1DigitalLinkURI.parse(uri)
    except ParseError as error:
        raise GtinError(_("This GS1 Digital Link cannot be read: %(reason)s", reason=_reason(str(error)))) from error
    first, *others = link.element_strings
    if first.ai.ai != GTIN_AI:
        raise GtinError(_("This GS1 Digital Link names no GTIN."))
    if first.gtin is None:
        raise GtinError(_reason(first.gtin_error or ""))
    return DigitalLink(first.gtin.as_gtin_14(), [(element.ai.data_title, element.value) for element in others])


def _reason(biip_message):
    """The reason biip gives, with the check digit case said plainly (the common misprint)."""
    if "check digit" in biip_message:
        return _("The GTIN's check digit is wrong (%(detail)s).", detail=biip_message[:200])
    return _("This is not a valid GTIN (%(detail)s).", detail=biip_message[:200])


def find_product(gtin14):
    """The product whose GTIN is ``gtin14`` (14 digits), with its entity, or None."""
    return db.session.scalar(select(Product).where(Product.gtin == gtin14))


def set_gtin(product, text, actor=None):
    """Set (or clear, with blank ``text``) a product's GTIN; Refused when invalid or another product has it.

    Flushes and writes an audit entry when the GTIN changes; returns True then.
    """
    value = normalize(text) if (text or "").strip() else None
    if value == product.gtin:
        return False
    if value is not None:
        other = find_product(value)
        if other is not None and other.id != product.id:
            raise Refused(_("Another product already has the GTIN %(gtin)s.", gtin=shown(value)))
    before = {"gtin": product.gtin}
    product.gtin = value
    db.session.flush()
    audit.record(actor, "product.gtin_changed", product, before, {"gtin": value},
                 province_code=product.province_code)
    return True
