"""Vendors fulfil their part of an order: confirm, ship, deliver; or withdraw it.

A part ships handed to the carrier (``hand_to_carrier``) or with a tracking number typed in; the carrier's word
(delivered, returned) moves a shipped part through ``carried``.

Withdrawing (cancel, refund) moves only goods and statuses: the money is settled by ``payments.refunds``, which
calls ``withdraw``, refunds a card payment, then ``follow_up``. This module knows nothing of payments.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import search
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shipping import services as shipping
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.services import lock, notify, return_lines
from marketplace.shop.orders.status import InvalidTransitionError, can_move, move
from marketplace.shop.orders.vendor_mail import notify_vendors

#: Vendor actions that take the goods forward, and the status each one leads to.
FORWARD = {"confirm": "processing", "ship": "shipped", "deliver": "delivered"}
#: Withdrawals, settled by the payments layer: the part is cancelled or refunded.
WITHDRAWALS = {"cancel": "cancelled", "refund": "refunded"}
#: The customer hears of these part statuses (cancelled and delivered: when the whole order gets there).
ANNOUNCED = ("shipped", "refunded")
#: Part statuses after which nothing more happens to the goods (a delivered or returned part may still be refunded).
CLOSED = frozenset(("delivered", "cancelled", "refunded", "returned"))
#: Part statuses in which the goods left the producer (a withdrawal does not put them back in stock).
SENT = ("shipped", "delivered", "returned")
#: What the carrier may say of a shipped part, and the status it leads to.
CARRIER_OUTCOMES = {"delivered": "delivered", "returned": "returned"}


def final_status(statuses):
    """The status an order takes from its parts' ``statuses``, or None while they do not settle on one.

    Parts that share a status give it. Parts all closed give ``delivered`` when at least one was delivered (the
    others cancelled, refunded or returned: nothing more is coming), else ``returned`` when one came back, else
    ``refunded`` (cancelled and refunded ones).
    """
    if len(statuses) == 1:
        return next(iter(statuses))
    if not statuses <= CLOSED:
        return None
    if "delivered" in statuses:
        return "delivered"
    return "returned" if "returned" in statuses else "refunded"


def sync_order(order):
    """An order follows its parts to the status they settle on, when its lifecycle allows it (cancelled stays so).

    The customer hears of a cancelled or delivered order; each producer already heard when its part was cancelled.
    """
    statuses = set(db.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order.id)))
    status = final_status(statuses)
    if status is not None and status != order.status and can_move(order, status):
        move(order, status, "system")
        if status in ("cancelled", "delivered"):
            notify(order, status, parts=[])


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
    if action == "deliver" and shipping.carrier_code_of(part.id):
        raise Refused(_("The carrier tells us when this parcel is delivered."))
    move(part, target, actor, note)
    if action == "ship":
        part.carrier, part.tracking_number = carrier.strip(), tracking_number.strip()
    return follow_up(part)


def hand_to_carrier(part, actor, weight_g=None):
    """Ship a part through the carrier ("Giao cho đơn vị vận chuyển"): its order is created, then the part moves.

    The carrier collects the part's total (goods and shipping) from the buyer of a cash-on-delivery order, nothing
    otherwise. Refused, with nothing changed here, when the part cannot ship now or the carrier refuses the parcel.
    """
    lock_part(part)
    if not can_move(part, "shipped"):
        raise InvalidTransitionError(part.status, "shipped")
    order = db.session.get(Order, part.order_id)
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)
                               .order_by(OrderLine.id)).all()
    cod_vnd = part.subtotal_vnd + part.shipping_vnd if order.payment_method == "cod" else 0
    shipment = shipping.hand_over(part, order, lines, cod_vnd, weight_g)
    move(part, "shipped", actor, _("Handed to %(carrier)s: %(code)s", carrier=shipping.CARRIER_NAME,
                                     code=shipment.carrier_order_code))
    part.carrier, part.tracking_number = shipping.CARRIER_NAME, shipment.carrier_order_code
    return follow_up(part)


def carried(part, outcome, actor):
    """The carrier delivered a shipped part, or brought it back: move it (the order follows); else change nothing.

    Returns what happened, for the carrier's log: the status reached, or why nothing moved (the part had already
    reached it, or cannot: a delivered part is not returned by a late notification). A returned part is new again
    to its producer (it is back at their door; a part paid online is theirs to refund).
    """
    target = CARRIER_OUTCOMES.get(outcome)
    if target is None:
        return "noted"
    lock_part(part)
    if part.status == target:
        return f"already {target}"
    if not can_move(part, target):
        return f"ignored: the part is {part.status}"
    move(part, target, actor)
    if target == "returned":
        part.seen_at = None
    follow_up(part)
    return target


def withdraw(part, action, actor, note=None):
    """Cancel or refund a part (statuses and stock only): its stock returns when the goods were not sent.

    Only ``payments.refunds`` calls this, to settle the money between this and ``follow_up``.
    """
    target = WITHDRAWALS.get(action)
    if target is None:
        raise Refused(_("This order cannot be changed that way now."))
    lock_part(part)
    sent = part.status in SENT
    move(part, target, actor, note)
    if not sent:
        lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)).all()
        search.queue(db.session, return_lines(lines))
    return part


def follow_up(part, refund_mail="refunded"):
    """After a part moved: tell whom it concerns, then let the order follow its parts.

    The customer hears of a part shipped or refunded, the latter through ``refund_mail``: ``refunded`` (it went
    back through a payment provider), ``refund_owed`` (a case's refund owed by bank transfer to the account the
    buyer gave) or ``refund_owed_by_hand`` (a producer's refund of a part paid by hand); the producer of a part
    cancelled (unless it cancelled it).
    """
    db.session.flush()
    order = db.session.get(Order, part.order_id)
    if part.status == "refunded":
        notify(order, refund_mail)
    elif part.status in ANNOUNCED:
        notify(order, part.status)
    elif part.status == "cancelled":
        notify_vendors(order, "cancelled", [part])
    sync_order(order)
    return part
