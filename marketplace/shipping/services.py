"""Parcels: the quote kept at checkout, the carrier's order at shipping time, its label, and its progress.

These functions flush; they never change a vendor order's status (``shop/orders/fulfilment.py`` does, through
``move()``), and the cash a carrier transfers is recorded by ``payments/carrier.py``.
"""

import hashlib
import json
from datetime import UTC

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shipping import ghn_client
from marketplace.shipping.models import CarrierEvent, Shipment
from marketplace.shipping.parcels import Parcel, parcel_of
from marketplace.shipping.quotes import pickup_ward, profiles_of
from marketplace.shipping.wards import place
from marketplace.shop.catalog.models import Listing, ListingVariant

CARRIER = "ghn"
CARRIER_NAME = "GHN"
#: GHN's statuses and the step of the parcel each one shows: picked up, on its way, delivered, back at the producer.
#: Others (ready_to_pick, return…, cancel, lost, damage, exception) are kept as the carrier's latest word only.
MILESTONES = {"picked": "picked_up_at", "storing": "in_transit_at", "sorting": "in_transit_at",
              "transporting": "in_transit_at", "delivering": "in_transit_at",
              "money_collect_delivering": "in_transit_at", "delivery_fail": "in_transit_at",
              "delivered": "delivered_at", "returned": "returned_at"}
#: GHN's statuses as a producer reads them (others are shown as GHN words them).
STATUS_LABELS = {
    "ready_to_pick": _l("Waiting for the pick-up"), "picking": _l("Being picked up"), "picked": _l("Picked up"),
    **dict.fromkeys(("storing", "sorting", "transporting"), _l("In transit")),
    **dict.fromkeys(("delivering", "money_collect_delivering"), _l("Out for delivery")),
    "delivered": _l("Delivered"), "delivery_fail": _l("Delivery failed"),
    **dict.fromkeys(("waiting_to_return", "return", "return_transporting", "return_sorting", "returning",
                     "return_fail"), _l("Coming back to you")),
    "returned": _l("Returned to the producer"), "cancel": _l("Cancelled by the carrier"),
    **dict.fromkeys(("exception", "damage", "lost"), _l("A problem: call the carrier")),
}


def keep_quotes(parts, quotes):
    """Keep with each new vendor order the quote its buyer saw (``quotes``: {entity id: Quote})."""
    for part in parts:
        quote = quotes.get(part.entity_id)
        if quote is not None:
            db.session.add(Shipment(vendor_order_id=part.id, quoted_by=quote.source, quoted_vnd=quote.quoted_vnd,
                                    expected_on=quote.expected_on))
    db.session.flush()


def shipments_of(part_ids):
    """``{vendor order id: Shipment}`` of the parts given (one query)."""
    if not part_ids:
        return {}
    rows = db.session.scalars(select(Shipment).where(Shipment.vendor_order_id.in_(list(part_ids))))
    return {shipment.vendor_order_id: shipment for shipment in rows}


def carrier_code_of(part_id):
    """The carrier's order code of a part handed to the carrier, or None."""
    return db.session.scalar(select(Shipment.carrier_order_code).where(Shipment.vendor_order_id == part_id))


def shipment_by_code(order_code):
    """The shipment of the carrier's order ``order_code``, or None."""
    return db.session.scalar(select(Shipment).where(Shipment.carrier_order_code == str(order_code)[:40]))


def _shipment_for(part):
    """The part's shipment, created when the order was placed without one (an order placed before quotes)."""
    shipment = db.session.scalar(select(Shipment).where(Shipment.vendor_order_id == part.id))
    if shipment is None:
        shipment = Shipment(vendor_order_id=part.id, quoted_by="table", quoted_vnd=part.shipping_vnd)
        db.session.add(shipment)
    return shipment


def ends(entity, order, settings):
    """GHN's places of a parcel's pick-up and of the buyer's ward: ``(origin, destination)``, each maybe None."""
    profile = profiles_of([entity.id]).get(entity.id)
    origin_ward = pickup_ward(entity, profile)
    origin = place(origin_ward.code, settings) if origin_ward else None
    return origin, place(order.ward_code, settings), profile


def can_hand_over(entity, destinations):
    """Which parts the carrier can take from ``entity`` now: ``{part id: bool}`` from ``{part id: buyer's ward code}``.

    Empty when there is no carrier or the entity has no pick-up the carrier serves, or no phone for it (one query,
    none when there is nothing to ship).
    """
    settings = ghn_client.settings()
    if settings is None or not destinations:
        return {}
    profile = profiles_of([entity.id]).get(entity.id)
    origin_ward = pickup_ward(entity, profile)
    if origin_ward is None or not (profile and profile.phone) or place(origin_ward.code, settings) is None:
        return {}
    return {part_id: place(ward_code, settings) is not None for part_id, ward_code in destinations.items()}


def parcel_for(lines, weight_g=None):
    """The parcel of a part's lines (their listings' weights and sizes); ``weight_g`` as weighed by the producer."""
    listings = {listing.id: listing for listing in db.session.scalars(
        select(Listing).where(Listing.id.in_([line.listing_id for line in lines if line.listing_id])))}
    variants = {variant.id: variant for variant in db.session.scalars(
        select(ListingVariant).where(ListingVariant.id.in_([line.variant_id for line in lines if line.variant_id])))}
    items = [(listings[line.listing_id], variants.get(line.variant_id), line.quantity)
             for line in lines if line.listing_id in listings]
    parcel = parcel_of(items) if items else parcel_of([])
    return Parcel(weight_g, parcel.length_cm, parcel.width_cm, parcel.height_cm) if weight_g else parcel


def hand_over(part, order, lines, cod_vnd, weight_g=None):
    """Create the carrier's order for a part about to ship; its shipment keeps the code, fee and COD amount.

    Refused (a translated reason) when there is no carrier, an end it does not serve, no pick-up phone, or when
    the carrier refuses the parcel. A retry after a lost answer finds the order made the first time.
    """
    settings = ghn_client.settings()
    if settings is None:
        raise Refused(_("No carrier is configured: give the carrier and the tracking number."))
    entity = db.session.get(Entity, part.entity_id)
    origin, destination, profile = ends(entity, order, settings)
    if origin is None or not (profile and profile.phone):
        raise Refused(_("Set your pick-up address and phone first (Shipping settings)."))
    if destination is None:
        raise Refused(_("The carrier does not serve this address yet: ship another way."))
    parcel = parcel_for(lines, weight_g)
    names = ", ".join(f"{line.quantity} × {line.product_name}" for line in lines)
    data, error = ghn_client.create_order(
        f"{order.reference}-{part.id}",
        {"name": entity.name, "phone": profile.phone, "address": profile.address or entity.address or "",
         "place": origin},
        {"name": order.name, "phone": order.phone, "address": f"{order.address}, {order.ward}", "place": destination},
        parcel, cod_vnd, part.subtotal_vnd, names,
        [(line.product_name, line.quantity, line.unit_price_vnd) for line in lines])
    if error:
        raise Refused(_("The carrier refused the parcel: %(reason)s", reason=error))
    shipment = _shipment_for(part)
    shipment.carrier, shipment.carrier_order_code = CARRIER, str(data["order_code"])
    shipment.carrier_fee_vnd, shipment.cod_vnd = data.get("total_fee"), cod_vnd
    shipment.weight_g, shipment.length_cm = parcel.weight_g, parcel.length_cm
    shipment.width_cm, shipment.height_cm = parcel.width_cm, parcel.height_cm
    shipment.carrier_status = "ready_to_pick"
    db.session.flush()
    return shipment


def label_url(shipment):
    """The printable label of a shipment handed to the carrier: ``(url, error)``."""
    if shipment is None or not shipment.carrier_order_code:
        return None, "no carrier order"
    return ghn_client.label_url(shipment.carrier_order_code)


def event_key(carrier, payload):
    """What identifies a carrier notification (a replay has the same): order, kind, status, time, COD transfer."""
    fields = [carrier] + [str(payload.get(name) or "") for name in
                          ("OrderCode", "Type", "Status", "Time", "CODTransferDate")]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def claim_event(carrier, payload, at):
    """Keep a notification once: True when this call stored it (and must apply it), False for a replay.

    ``INSERT … ON CONFLICT DO NOTHING`` on its key: a replay arriving at the same time waits for this transaction,
    then finds the row.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"carrier": carrier, "key": event_key(carrier, payload), "order_code": str(payload["OrderCode"])[:40],
              "kind": str(payload.get("Type") or "")[:40], "status": str(payload.get("Status") or "")[:40] or None,
              "occurred_at": at, "payload": payload, "outcome": "received"}
    statement = insert(CarrierEvent).values(**values).on_conflict_do_nothing().returning(CarrierEvent.id)
    return db.session.execute(statement).first() is not None


def note_outcome(carrier, payload, outcome):
    """Write what a notification led to on its stored row."""
    event = db.session.scalar(select(CarrierEvent).where(CarrierEvent.key == event_key(carrier, payload)))
    if event is not None:
        event.outcome = outcome[:80]


def note_progress(shipment, status, at):
    """Keep the carrier's word on a parcel: the step it reached (its earliest time), and its latest status.

    Notifications may come in any order: a step keeps the earliest time given for it, and the latest status is
    the one with the latest time.
    """
    field = MILESTONES.get(status)
    if field and at and (getattr(shipment, field) is None or at < aware(getattr(shipment, field))):
        setattr(shipment, field, at)
    if status and at and (shipment.carrier_status_at is None or at >= aware(shipment.carrier_status_at)):
        shipment.carrier_status, shipment.carrier_status_at = status[:40], at


def aware(moment):
    """A stored time as an aware UTC datetime (SQLite gives them back without their zone)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)
