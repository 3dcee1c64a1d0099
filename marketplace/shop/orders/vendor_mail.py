"""Mail to the producers: each entity's members hear at once of a new order, a payment or a cancellation.

Each message speaks of the entity's own part only (its lines, its total), in each member's language. A payment
or a cancellation makes the part new again on the dashboard (``VendorOrder.seen_at`` cleared): the unread count.
A cancellation is announced by the change that cancelled the part (the whole order, or that part alone), so each
producer hears of it once; a part the entity cancelled itself is not announced back to it.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import User, VendorMembership
from marketplace.accounts.services import send_to_address
from marketplace.core.i18n import vnd
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.shop.orders.models import OrderEvent, OrderLine, VendorOrder

#: The customer-order events the producers hear of, and the part statuses each one announces.
ANNOUNCED = {"placed": None, "paid": ("paid",), "cancelled": ("cancelled",)}
PAYMENT_NAMES = {"cod": _l("cash on delivery"), "bank_transfer": _l("bank transfer (VietQR)"),
                 "card": _l("card")}


def notify_vendors(order, kind, parts=None):
    """Mail the members of each entity with a part in ``order`` about that part (placed, paid, cancelled).

    :param parts: only these parts (a cancellation names the parts it just cancelled, so that none is announced
        twice); by default every part of the order in the status ``kind`` announces.
    """
    if kind not in ANNOUNCED:
        return
    parts = parts_to_announce(order, kind, parts)
    if not parts:
        return
    members = members_by_entity([part.entity_id for part in parts])
    lines = lines_by_part([part.id for part in parts])
    for part in parts:
        if kind != "placed":
            part.seen_at = None
        for user in members.get(part.entity_id, []):
            send_to_address(user.email, user.preferred_locale, lambda part=part: subject(order, part, kind),
                            lambda part=part: body(order, part, lines.get(part.id, []), kind))


def parts_to_announce(order, kind, parts=None):
    """The parts of ``order`` (or among ``parts``) whose entity should hear of ``kind`` (not its own cancellation)."""
    if parts is None:
        query = select(VendorOrder).where(VendorOrder.order_id == order.id).order_by(VendorOrder.id)
        if ANNOUNCED[kind]:
            query = query.where(VendorOrder.status.in_(ANNOUNCED[kind]))
        parts = db.session.scalars(query).all()
    if kind != "cancelled" or not parts:
        return parts
    own = self_cancelled([part.id for part in parts])
    return [part for part in parts if part.id not in own]


def self_cancelled(part_ids):
    """Ids of the parts among ``part_ids`` that a member of their own entity cancelled."""
    return set(db.session.scalars(
        select(OrderEvent.vendor_order_id).join(VendorOrder, VendorOrder.id == OrderEvent.vendor_order_id)
        .join(User, User.email == OrderEvent.actor)
        .join(VendorMembership, (VendorMembership.user_id == User.id)
              & (VendorMembership.entity_id == VendorOrder.entity_id))
        .where(OrderEvent.vendor_order_id.in_(part_ids), OrderEvent.to_status == "cancelled")))


def members_by_entity(entity_ids):
    """``{entity id: [user]}``: the members of these entities, owners first, in one query."""
    rows = db.session.execute(
        select(VendorMembership.entity_id, User).join(User, User.id == VendorMembership.user_id)
        .where(VendorMembership.entity_id.in_(entity_ids))
        .order_by(VendorMembership.role.desc(), User.email)).all()
    members = {}
    for entity_id, user in rows:
        members.setdefault(entity_id, []).append(user)
    return members


def lines_by_part(part_ids):
    """``{part id: [line]}`` of these parts, in one query."""
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id.in_(part_ids))
                               .order_by(OrderLine.id)).all()
    grouped = {}
    for line in lines:
        grouped.setdefault(line.vendor_order_id, []).append(line)
    return grouped


def subject(order, part, kind):
    """The subject line, in the current locale."""
    if kind == "placed":
        return _("New order %(reference)s: %(total)s", reference=order.reference,
                 total=vnd(part.subtotal_vnd + part.shipping_vnd))
    if kind == "paid":
        return _("Order %(reference)s paid: ship it", reference=order.reference)
    return _("Order %(reference)s cancelled: do not ship it", reference=order.reference)


def line_text(line):
    """One line of the part: quantity, product (and package), amount."""
    name = f"{line.product_name} ({line.variant_label})" if line.variant_label else line.product_name
    return _("%(quantity)d × %(product)s: %(amount)s", quantity=line.quantity, product=name,
             amount=vnd(line.quantity * line.unit_price_vnd))


def next_step(order, kind):
    """What the producer should do now."""
    if kind == "cancelled":
        return _("Do not ship this part; its stock has been returned to your listings.")
    if kind == "paid" or order.payment_method == "cod":
        return _("Prepare the parcel, confirm the order and ship it with its tracking number.")
    return _("Wait for the payment before shipping: we will write to you when it arrives.")


def body(order, part, lines, kind):
    """The message body: the part's lines and totals, the payment method, the next step and the link."""
    items = "\n".join(f"- {line_text(line)}" for line in lines)
    return _("Order %(reference)s, your part for %(entity)s:\n\n%(items)s\n\nGoods: %(subtotal)s\nShipping: "
             "%(shipping)s\nTotal: %(total)s\nPayment: %(payment)s\nBuyer: %(buyer)s\n\n%(next)s\n\n"
             "Your orders: %(link)s", reference=order.reference, entity=part.entity_name, items=items,
             subtotal=vnd(part.subtotal_vnd), shipping=vnd(part.shipping_vnd),
             total=vnd(part.subtotal_vnd + part.shipping_vnd),
             payment=PAYMENT_NAMES.get(order.payment_method, order.payment_method), buyer=order.name,
             next=next_step(order, kind), link=external_url("vendor.dashboard", _anchor="orders"))
