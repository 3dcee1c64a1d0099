"""What shipping a producer's part of a basket costs, and when it arrives: the carrier's quote, else the rate table.

With a carrier (GHN, or its simulation in development) and both ends known to it — the producer's pick-up ward and
the buyer's — the fee and the expected day are GHN's. Otherwise (no carrier, no address yet, a ward the carrier's
mapping lacks, or the carrier down) the entity's rate table prices it: its fee for the buyer's province, else its
fee for everywhere, else ``SHIPPING_DEFAULT_VND``; the day is ``SHIPPING_DAYS_SAME_PROVINCE`` or
``SHIPPING_DAYS_ELSEWHERE`` days ahead. Either way a part whose goods reach the entity's free-shipping threshold
ships free for the buyer (the producer pays the carrier).
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.reference.lookup import resolve_ward, wards
from marketplace.shipping import ghn_client
from marketplace.shipping.models import ShippingProfile, ShippingRate
from marketplace.shipping.parcels import parcel_of
from marketplace.shipping.wards import place

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    """Where the buyer wants the parcel: a current province, and its ward once chosen."""

    province_code: str | None
    ward_code: str | None = None


@dataclass(frozen=True)
class Part:
    """A producer's part to price: the entity, its goods' subtotal, and ``(listing, variant, quantity)`` items."""

    entity: object
    subtotal_vnd: int
    items: tuple


@dataclass(frozen=True)
class Quote:
    """The shipping of one producer's part, as checkout shows it."""

    fee_vnd: int  #: what the buyer pays
    quoted_vnd: int  #: the price before the free-shipping threshold
    expected_on: date | None  #: the day it should arrive
    source: str  #: ``ghn`` (the carrier's quote) or ``table`` (the entity's rate table)
    free: bool = False  #: the goods reached the entity's free-shipping threshold


def pickup_ward(entity, profile):
    """The official ward an entity's parcels leave from: its pick-up address's, else one named in its address."""
    if profile is not None and profile.ward_code:
        return wards().get(profile.ward_code)
    return ward_in_address(entity.province_code, entity.address)


def ward_in_address(province_code, address):
    """The ward an address names among its comma-separated parts (old names converted), last parts first; or None."""
    for part in reversed((address or "").split(",")):
        ward = resolve_ward(province_code, part.strip()) if part.strip() else None
        if ward is not None:
            return ward
    return None


def profiles_of(entity_ids):
    """``{entity id: ShippingProfile}`` (one query)."""
    if not entity_ids:
        return {}
    rows = db.session.scalars(select(ShippingProfile).where(ShippingProfile.entity_id.in_(list(entity_ids))))
    return {profile.entity_id: profile for profile in rows}


def table_fees(entity_ids, province_code):
    """``{entity id: fee}`` of the rate table to ``province_code``: the entity's rate there, else its default."""
    fees = {}
    if not entity_ids:
        return fees
    rates = db.session.scalars(select(ShippingRate).where(ShippingRate.entity_id.in_(list(entity_ids)))).all()
    for rate in sorted(rates, key=lambda r: r.province_code is not None):  # defaults first, specific wins
        if rate.province_code in (None, province_code):
            fees[rate.entity_id] = rate.fee_vnd
    return fees


def table_day(origin_province, destination, day):
    """The day the rate table promises: nearer within the producer's province."""
    config = current_app.config
    same = destination is not None and destination.province_code == origin_province
    return day + timedelta(days=config["SHIPPING_DAYS_SAME_PROVINCE" if same else "SHIPPING_DAYS_ELSEWHERE"])


def carrier_quote(part, profile, destination):
    """GHN's :class:`ghn_client.Quoted` for a part, or None (no carrier, an end it does not know, or it failed)."""
    settings = ghn_client.settings()
    if settings is None or destination is None or not destination.ward_code or not part.items:
        return None
    origin_ward = pickup_ward(part.entity, profile)
    origin = place(origin_ward.code, settings) if origin_ward else None
    target = place(destination.ward_code, settings)
    if origin is None or target is None:
        return None
    parcel = parcel_of(part.items)
    quoted, error = ghn_client.quote(origin, target, parcel.weight_g,
                                     (parcel.length_cm, parcel.width_cm, parcel.height_cm), part.subtotal_vnd)
    if error:
        log.warning("GHN quote for entity %s failed, the rate table prices it: %s", part.entity.id, error)
    return quoted


def quote_parts(parts, destination, day):
    """``{entity id: Quote}`` for each producer's part of a basket going to ``destination`` (None: not known yet)."""
    ids = [part.entity.id for part in parts]
    profiles = profiles_of(ids)
    table = table_fees(ids, destination.province_code if destination else None)
    default = current_app.config["SHIPPING_DEFAULT_VND"]
    result = {}
    for part in parts:
        profile = profiles.get(part.entity.id)
        quoted = carrier_quote(part, profile, destination)
        if quoted is not None:
            price, expected, source = quoted.fee_vnd, quoted.expected_on, "ghn"
        else:
            price, source = table.get(part.entity.id, default), "table"
            expected = table_day(part.entity.province_code, destination, day)
        free = bool(profile and profile.free_over_vnd and part.subtotal_vnd >= profile.free_over_vnd)
        result[part.entity.id] = Quote(0 if free else price, price, expected, source, free)
    return result
