"""The vendor's home: certificates panel, listings, orders with status filters, showroom requests, team."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.returns import queries as returns
from marketplace.shipping import ghn_client
from marketplace.shipping import services as shipping
from marketplace.shop.catalog.rules import availability
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.status import ORDER_STATUSES
from marketplace.showrooms.models import PLACEMENT_LABELS, Placement, Showroom
from marketplace.vendors.blueprint import bp
from marketplace.vendors.forms import InviteForm


@bp.get("/")
@role_required("vendor")
def dashboard():
    """The entity's products with their certificate status and what the storefront does with them."""
    entity = policy.own_entity_or_404(current_user)
    day = today()
    products = db.session.execute(policy.products_for(current_user).order_by(Product.name)).all()
    certificates = db.session.scalars(select(Certificate).join(Product, Product.id == Certificate.product_id)
                                      .where(Product.entity_id == entity.id)).all()
    by_product = {}
    for certificate in certificates:
        by_product.setdefault(certificate.product_id, []).append(certificate)
    rows = [(product, listing, availability(listing, by_product.get(product.id, []), day))
            for product, listing in products]
    status = request.args.get("status")
    status = status if status in ORDER_STATUSES else None
    orders_query = policy.vendor_orders_for(current_user, status=status).add_columns(
        Order.created_at, Order.name, Order.payment_method, Order.ward_code, unread_query().scalar_subquery())
    order_rows = db.session.execute(orders_query.limit(50)).all()
    vendor_orders = [row[:-1] for row in order_rows]
    unread = order_rows[0][-1] if order_rows else (db.session.scalar(unread_query()) if status else 0)
    placements = db.session.execute(select(Placement, Showroom, Product).join(
        Showroom, Showroom.id == Placement.showroom_id).join(Product, Product.id == Placement.product_id)
        .where(Product.entity_id == entity.id).order_by(Placement.updated_at.desc())).all()
    return render_template("vendors/dashboard.html", entity=entity, rows=rows, day=day,
                           members=policy.members_of(entity.id), invite_form=InviteForm(),
                           is_owner=policy.can(current_user, "entity.manage_team", entity), placements=placements,
                           showrooms=db.session.scalars(select(Showroom).order_by(Showroom.name)).all(),
                           placement_labels=PLACEMENT_LABELS, order_statuses=ORDER_STATUSES, status=status,
                           vendor_orders=vendor_orders, lines=lines_of([row[0].id for row in vendor_orders]),
                           unread=unread, returns_waiting=returns.waiting_count(entity.id),
                           **carrier_context(entity, order_rows))


def carrier_context(entity, order_rows):
    """What the orders list shows of shipping: each part's parcel, which parts the carrier can take, the pick-up."""
    shipments = shipping.shipments_of([row[0].id for row in order_rows])
    carriable = shipping.can_hand_over(entity, {row[0].id: row[-2] for row in order_rows
                                                if row[0].status == "processing"})
    return {"shipments": shipments, "carriable": carriable, "carrier": ghn_client.settings(),
            "carrier_labels": shipping.STATUS_LABELS}


def lines_of(part_ids):
    """``{part id: [line]}`` for the parts shown, in one query."""
    lines = {}
    if part_ids:
        for line in db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id.in_(part_ids))
                                       .order_by(OrderLine.id)):
            lines.setdefault(line.vendor_order_id, []).append(line)
    return lines


def unread_query():
    """SELECT of how many of the entity's parts are new: not opened or acted on since they arrived, paid or cancelled.

    The dashboard asks it as a column of the orders' page, so it costs no query of its own.
    """
    unread = policy.vendor_orders_for(current_user).where(VendorOrder.seen_at.is_(None)).subquery()
    return select(func.count()).select_from(unread)
