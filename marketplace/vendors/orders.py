"""The entity's part of orders: confirm, ship (to the carrier, or typed in), deliver, cancel, refund; labels, slips."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.actions import commit_or_flash
from marketplace.core.db import utcnow
from marketplace.core.input import form_int
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.reference.lookup import provinces
from marketplace.shipping import services as shipping
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.vendors.blueprint import bp


@bp.post("/orders/<int:vendor_order_id>/<any(confirm, ship, deliver, cancel, refund):action>")
@role_required("vendor")
def fulfil(vendor_order_id, action):
    """Confirm, ship (carrier and tracking number), deliver, cancel or refund the entity's part of an order."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    note = (request.form.get("note") or "").strip() or None
    if action == "cancel" and note is None:
        flash(_("Say why you cancel this order: the buyer will read it."), "error")
    elif action in fulfilment.WITHDRAWALS:
        commit_or_flash(lambda: seen(refunds.settle_part(part, action, current_user.email, note)), _("Saved."))
    elif action == "ship" and request.form.get("via") == "carrier":
        weight = form_int("weight_g", default=0, minimum=1, maximum=50_000)
        commit_or_flash(lambda: seen(fulfilment.hand_to_carrier(part, current_user.email, weight or None)),
                        _("Handed to the carrier: print the label and stick it on the parcel."))
    else:
        commit_or_flash(lambda: seen(fulfilment.act(part, action, current_user.email, request.form.get("carrier"),
                                                    request.form.get("tracking_number"), note)), _("Saved."))
    return redirect(url_for("vendor.dashboard", _anchor="orders"))


def seen(part):
    """Mark a part as opened by the entity (it leaves the unread count); returns it."""
    part.seen_at = part.seen_at or utcnow()
    return part


@bp.get("/orders/<int:vendor_order_id>/label")
@role_required("vendor")
def label(vendor_order_id):
    """The carrier's printable label of a part handed to it (a fresh link from the carrier each time)."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    url, error = shipping.label_url(shipping.shipments_of([part.id]).get(part.id))
    if error:
        flash(_("The carrier's label cannot be opened now; try again in a moment."), "error")
        return redirect(url_for("vendor.dashboard", _anchor=f"part-{part.id}"))
    return redirect(url)


@bp.post("/orders/<int:vendor_order_id>/seen")
@role_required("vendor")
def mark_seen(vendor_order_id):
    """Take a part out of the unread count without acting on it (e.g. an order waiting for payment)."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    seen(part)
    db.session.commit()
    return redirect(url_for("vendor.dashboard", _anchor="orders"))


@bp.get("/orders/<int:vendor_order_id>/slip")
@role_required("vendor")
def packing_slip(vendor_order_id):
    """A printable packing slip for the entity's part of an order: who to ship to and what to pack."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    order = db.session.get(Order, part.order_id)
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)
                               .order_by(OrderLine.id)).all()
    if part.seen_at is None:
        seen(part)
        db.session.commit()
    return render_template("vendors/slip.html", entity=entity, part=part, order=order, lines=lines,
                           province=provinces().get(order.province_code))

