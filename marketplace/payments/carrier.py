"""What the carrier tells us, applied once in any order: progress, delivered or returned parts, cash transferred.

The cash GHN collected on delivery and transferred (COD remittance) marks the vendor order paid. A GHN callback
(``/webhooks/ghn``) or a reconciliation call (``reconcile``: GHN's order detail for every parcel still open) leads
here. The notification is kept once by its key (a replay changes nothing); the parcel's steps keep the
carrier's own times whatever order they arrive in; a shipped part moves to delivered or returned through
``fulfilment.carried`` (``move()``; a late "returned" after "delivered" changes nothing). When GHN reports a transfer
(``CODTransferDate``) of the cash it collected, a ``cod`` payment of the vendor order's amount is recorded and moved
to ``succeeded`` through ``payments/status.move()``, once: the vendor order is paid. An amount that is not the one
GHN was asked to collect is recorded as ``amount_mismatch`` and stays on finance staff's list.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.payments.models import Payment
from marketplace.payments.status import move
from marketplace.shipping import ghn_client
from marketplace.shipping import services as shipping
from marketplace.shipping.models import Shipment
from marketplace.shipping.services import aware
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, VendorOrder

ACTOR = "ghn"


def apply_ghn_callback(payload):
    """Apply one verified GHN callback: ``(HTTP status, outcome)``; 404 for an order we never handed over."""
    code, status = payload.get("OrderCode"), payload.get("Status")
    if not isinstance(code, str) or not code or not isinstance(status, str):
        return 400, "malformed"
    shipment = shipping.shipment_by_code(code)
    if shipment is None:
        return 404, "unknown order"
    part, order = _locked(shipment)
    at = ghn_client.parse_time(payload.get("Time")) or datetime.now(UTC)
    if not shipping.claim_event(shipping.CARRIER, payload, at):
        return 200, "duplicate"
    outcome = _apply(shipment, part, order, status, at, payload)
    shipping.note_outcome(shipping.CARRIER, payload, outcome)
    return 200, outcome


def _locked(shipment):
    """Lock the parcel's order, its part, then the shipment (the one lock order), freshly read."""
    part = fulfilment.lock_part(db.session.get(VendorOrder, shipment.vendor_order_id))
    db.session.refresh(shipment, with_for_update=True)
    return part, db.session.get(Order, part.order_id)


def _apply(shipment, part, order, status, at, detail):
    """The carrier's word on a parcel: its progress, the part's outcome, the cash transferred."""
    shipping.note_progress(shipment, status, at)
    outcome = fulfilment.carried(part, status, ACTOR)
    transferred = ghn_client.parse_time(detail.get("CODTransferDate") or detail.get("cod_transfer_date"))
    if transferred is not None:
        amount = detail.get("CODAmount", detail.get("cod_amount"))
        outcome = f"{outcome}; {remit(shipment, order, amount, transferred, detail)}"
    return outcome


def remit(shipment, order, amount_vnd, transferred_at, detail):
    """The carrier transferred the cash it collected for a parcel: a ``cod`` payment succeeds, once."""
    if shipment.cod_vnd <= 0:
        return "no cash on delivery"
    reference = f"{shipping.CARRIER}:{shipment.carrier_order_code}"
    payment = db.session.scalar(select(Payment).where(Payment.gateway_reference == reference))
    if payment is not None:
        return f"cod already {payment.status}"
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool) or amount_vnd < 0:
        amount_vnd = 0
    payment = Payment(order_id=order.id, method="cod", amount_vnd=amount_vnd, gateway_reference=reference,
                      gateway_transaction=shipment.carrier_order_code, provider_data=detail)
    db.session.add(payment)
    db.session.flush()
    if amount_vnd != shipment.cod_vnd:
        move(payment, "amount_mismatch", ACTOR, f"GHN transferred {amount_vnd} ₫ for {shipment.cod_vnd} ₫ collected")
        return "cod amount mismatch"
    move(payment, "succeeded", ACTOR, f"cash on delivery transferred by GHN on {transferred_at:%Y-%m-%d}")
    shipment.cod_remitted_at, shipment.cod_remitted_vnd = transferred_at, amount_vnd
    return "cod remitted"


def open_shipments():
    """Parcels GHN may still have news of: on their way, or delivered with their cash not transferred yet."""
    return db.session.scalars(
        select(Shipment).join(VendorOrder, VendorOrder.id == Shipment.vendor_order_id)
        .where(Shipment.carrier == shipping.CARRIER, Shipment.carrier_order_code.is_not(None),
               (VendorOrder.status == "shipped") | ((Shipment.cod_vnd > 0) & Shipment.cod_remitted_at.is_(None)
                                                     & (VendorOrder.status == "delivered")))
        .order_by(Shipment.id)).all()


def reconcile():
    """Ask GHN about every open parcel and apply what it says (a missed callback): ``[(order code, outcome)]``.

    Flushes; the caller commits (the CLI and the finance page do). A parcel GHN cannot answer for is left for the
    next run.
    """
    results = []
    for shipment in open_shipments():
        detail, error = ghn_client.order_detail(shipment.carrier_order_code)
        if error:
            results.append((shipment.carrier_order_code, f"not asked: {error}"))
            continue
        part, order = _locked(shipment)
        at = ghn_client.parse_time(detail.get("updated_date")) or datetime.now(UTC)
        status = str(detail.get("status") or "")
        results.append((shipment.carrier_order_code, _apply(shipment, part, order, status, at, detail)))
    return results


@dataclass
class Unremitted:
    """A parcel delivered (or a transfer in dispute) whose cash GHN has not transferred: for finance staff."""

    shipment: Shipment
    part: VendorOrder
    reference: str
    days: int  #: since delivery (Vietnam days)
    mismatch: Payment | None = None


def unremitted():
    """Cash on delivery collected but not transferred, oldest delivery first, with its age in days (two queries)."""
    rows = db.session.execute(
        select(Shipment, VendorOrder, Order.reference).join(VendorOrder, VendorOrder.id == Shipment.vendor_order_id)
        .join(Order, Order.id == VendorOrder.order_id)
        .where(Shipment.cod_vnd > 0, Shipment.cod_remitted_at.is_(None), VendorOrder.status == "delivered")
        .order_by(Shipment.delivered_at.is_(None), Shipment.delivered_at, Shipment.id)).all()
    references = [f"{shipping.CARRIER}:{shipment.carrier_order_code}" for shipment, _part, _ref in rows]
    disputes = {payment.gateway_reference: payment for payment in db.session.scalars(
        select(Payment).where(Payment.gateway_reference.in_(references)))} if references else {}
    today = clock.today()
    result = []
    for shipment, part, reference in rows:
        delivered = aware(shipment.delivered_at) or aware(part.updated_at)
        days = (today - delivered.astimezone(clock.TIMEZONE).date()).days if delivered else 0
        result.append(Unremitted(shipment, part, reference, days,
                                 disputes.get(f"{shipping.CARRIER}:{shipment.carrier_order_code}")))
    return result
