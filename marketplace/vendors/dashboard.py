"""The vendor's home: certificates panel, listings, orders with status filters, showroom requests, team."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.rules import availability
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
    orders_query = policy.vendor_orders_for(current_user, status=status)
    placements = db.session.execute(select(Placement, Showroom, Product).join(
        Showroom, Showroom.id == Placement.showroom_id).join(Product, Product.id == Placement.product_id)
        .where(Product.entity_id == entity.id).order_by(Placement.updated_at.desc())).all()
    return render_template("vendors/dashboard.html", entity=entity, rows=rows, day=day,
                           members=policy.members_of(entity.id), invite_form=InviteForm(),
                           is_owner=policy.can(current_user, "entity.manage_team", entity), placements=placements,
                           showrooms=db.session.scalars(select(Showroom).order_by(Showroom.name)).all(),
                           placement_labels=PLACEMENT_LABELS, order_statuses=ORDER_STATUSES, status=status,
                           vendor_orders=db.session.execute(orders_query.limit(50)).all())
