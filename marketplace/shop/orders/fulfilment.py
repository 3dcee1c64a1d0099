"""Vendors fulfil their part of an order: confirm, ship with a tracking number, deliver; or withdraw it.

Withdrawing (cancel, refund) moves only goods and statuses: the money is settled by ``payments.refunds``, which
calls ``withdraw``, refunds a card payment, then ``follow_up``. This module knows nothing of payments.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import search
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.services import lock, notify, return_lines
from marketplace.shop.orders.status import can_move, move

#: Vendor actions that take the goods forward, and the status each one leads to.
FORWARD = {"confirm": "processing", "ship": "shipped", "deliver": "delivered"}
#: Withdrawals, settled by the payments layer: the part is cancelled or refunded.
WITHDRAWALS = {"cancel": "cancelled", "refund": "refunded"}
#: The customer hears of these part statuses (cancelled and delivered: when the whole order gets there).
ANNOUNCED = ("shipped", "refunded")


def sync_order(order):
    """An order takes the status its parts share, when its lifecycle allows it (a cancelled order stays so)."""
    statuses = set(db.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order.id)))
    if len(statuses) == 1 and (status := statuses.pop()) != order.status and can_move(order, status):
        move(order, status, "system")
        if status in ("cancelled", "delivered"):
            notify(order, status)


def lock_part(part):
    """Lock the part's order (the one lock order: order first), then reload the part itself."""
    lock(db.session.get(Order, part.order_id))
    db.session.refresh(part, with_for_update=True)
    return part


def act(part, action, actor, carrier=None, tracking_number=None, note=None):
    """Confirm, ship (carrier and tracking number required) or deliver a vendor's part of an order."""
    lock_part(part)
    target = FORWARD.get(action)
    if target is None:
        raise Refused(_("This order cannot be changed that way now."))
    if action == "ship" and not (carrier and tracking_number):
        raise Refused(_("Give the carrier and the tracking number."))
    move(part, target, actor, note)
    if action == "ship":
        part.carrier, part.tracking_number = carrier.strip(), tracking_number.strip()
    return follow_up(part)


def withdraw(part, action, actor, note=None):
    """Cancel or refund a part (statuses and stock only): its stock returns when the goods were not sent.

    Only ``payments.refunds`` calls this, to settle the money between this and ``follow_up``.
    """
    target = WITHDRAWALS.get(action)
    if target is None:
        raise Refused(_("This order cannot be changed that way now."))
    lock_part(part)
    sent = part.status in ("shipped", "delivered")
    move(part, target, actor, note)
    if not sent:
        lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)).all()
        search.queue(db.session, return_lines(lines))
    return part


def follow_up(part):
    """After a part moved: tell the customer (shipped, refunded) and let the order follow its parts."""
    db.session.flush()
    order = db.session.get(Order, part.order_id)
    if part.status in ANNOUNCED:
        notify(order, part.status)
    sync_order(order)
    return part
