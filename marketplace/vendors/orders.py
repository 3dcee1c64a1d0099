"""The entity's part of orders: confirm, ship, deliver, cancel or refund; packing slips; the statement."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.actions import commit_or_flash
from marketplace.core.db import utcnow
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.reference.lookup import provinces
from marketplace.shop.orders import fulfilment, statements
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.statements import statement_response
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
    else:
        commit_or_flash(lambda: seen(fulfilment.act(part, action, current_user.email, request.form.get("carrier"),
                                                    request.form.get("tracking_number"), note)), _("Saved."))
    return redirect(url_for("vendor.dashboard", _anchor="orders"))


def seen(part):
    """Mark a part as opened by the entity (it leaves the unread count); returns it."""
    part.seen_at = part.seen_at or utcnow()
    return part


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


@bp.get("/statement.csv")
@role_required("vendor")
def statement():
    """What the platform owes the entity for delivered orders, after its commission (CSV)."""
    entity = policy.own_entity_or_404(current_user)
    return statement_response(statements.rows(entity_id=entity.id), f"statement-{entity.slug}.csv")
