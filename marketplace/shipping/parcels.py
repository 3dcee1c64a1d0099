"""A parcel's weight and size from what is in it: each package's shipping weight, or one read from its name.

A listing may give its packed unit's weight (``Listing.weight_g``) and size. When it does not, the weight is read
from the package's name ("hộp 500 g", "chai 1 lít") plus a fifth for the packing, else ``SHIPPING_DEFAULT_WEIGHT_G``.
Another package size of the listing (a variant, "hộp 1 kg") weighs in proportion to the listing's own when both
names give a weight, else what its own name says.
"""

import re
from dataclasses import dataclass

from flask import current_app

#: A weight or volume in a package's name: "500 g", "1,5kg", "750 ml", "1 lít" (a litre counted as a kilogram).
AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|kí|ký|gr|gram|gam|g|ml|lít|lit|l)(?![a-zà-ỹ])", re.IGNORECASE)
GRAMS_PER = {"kg": 1000, "kí": 1000, "ký": 1000, "gr": 1, "gram": 1, "gam": 1, "g": 1, "ml": 1, "lít": 1000,
             "lit": 1000, "l": 1000}
#: The size of a parcel whose listings give none (centimetres): a small carton.
DEFAULT_SIZE = (20, 15, 10)
#: GHN's limits for one parcel (its packaging guide): 30 kg; the API accepts up to 200 cm a side.
MAX_SIDE_CM = 200


@dataclass(frozen=True)
class Parcel:
    """What the carrier weighs and measures."""

    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int


def grams_in(name):
    """The weight a package's name gives ("hộp 500 g" → 500, "1,5 kg" → 1500), or None."""
    found = AMOUNT.search(name or "")
    if found is None:
        return None
    number, unit = found.groups()
    grams = round(float(number.replace(",", ".")) * GRAMS_PER[unit.lower()])
    return grams or None


def packed(grams):
    """A named content weight with its packing: a fifth more, in whole grams."""
    return grams + -(-grams // 5) if grams else None


def unit_weight(listing, variant=None):
    """The shipping weight (grams) of one unit of the listing's own package, or of its ``variant``."""
    default = current_app.config["SHIPPING_DEFAULT_WEIGHT_G"]
    own = listing.weight_g or packed(grams_in(listing.unit))
    if variant is None:
        return own or default
    named, base = grams_in(variant.label), grams_in(listing.unit)
    if listing.weight_g and named and base:
        return max(1, round(listing.weight_g * named / base))
    return packed(named) or own or default


def parcel_of(items):
    """The :class:`Parcel` of ``items`` — (listing, variant or None, quantity) — packed together.

    The weight adds up; the size is the largest length and width with the heights stacked, from the listings that
    give one (the default carton when none does).
    """
    weight = sum(unit_weight(listing, variant) * quantity for listing, variant, quantity in items)
    sized = [(listing, quantity) for listing, _variant, quantity in items
             if listing.length_cm and listing.width_cm and listing.height_cm]
    if not sized:
        length, width, height = DEFAULT_SIZE
    else:
        length = max(listing.length_cm for listing, _q in sized)
        width = max(listing.width_cm for listing, _q in sized)
        height = sum(listing.height_cm * quantity for listing, quantity in sized)
    return Parcel(max(1, weight), *(min(MAX_SIDE_CM, side) for side in (length, width, height)))
