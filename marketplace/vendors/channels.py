"""The vendor's modern sales channels: where the entity and each product are sold besides this marketplace."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.channels import services
from marketplace.channels.models import EntityChannel, ProductChannel, SalesChannel
from marketplace.core.actions import commit_or_flash
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.vendors.blueprint import bp


@bp.get("/channels")
@role_required("vendor")
def channels():
    """The channel catalogue, the entity's channels and, per product, where else it is sold."""
    entity = policy.own_entity_or_404(current_user)
    products = db.session.scalars(select(Product).where(Product.entity_id == entity.id)
                                  .order_by(Product.name)).all()
    return render_template("vendors/channels.html", entity=entity, catalogue=services.catalogue(),
                           joined=services.entity_channels(entity.id), products=products,
                           by_product=services.product_channels([product.id for product in products]))


@bp.post("/channels")
@role_required("vendor")
def add_channel():
    """Add a channel for the entity, or for one of its products when a product is chosen."""
    entity = policy.own_entity_or_404(current_user)
    channel = db.session.get(SalesChannel, request.form.get("channel_id", type=int) or 0)
    if channel is None:
        abort(404)
    product = None
    if request.form.get("product_id"):
        product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id),
                                    request.form.get("product_id", type=int) or 0, Product)
    commit_or_flash(lambda: services.add(entity, channel, request.form.get("url"), product), _("Saved."))
    return redirect(url_for("vendor.channels"))


@bp.post("/channels/<int:link_id>/remove")
@role_required("vendor")
def remove_channel(link_id):
    """Remove one of the entity's channels (and its products' links there)."""
    entity = policy.own_entity_or_404(current_user)
    link = policy.get_or_404(select(EntityChannel).where(EntityChannel.entity_id == entity.id), link_id,
                             EntityChannel)
    services.remove(entity, link)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("vendor.channels"))


@bp.post("/products/<int:product_id>/channels/<int:link_id>/remove")
@role_required("vendor")
def remove_product_channel(product_id, link_id):
    """Remove where one of the entity's products is sold."""
    entity = policy.own_entity_or_404(current_user)
    product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id), product_id, Product)
    link = policy.get_or_404(select(ProductChannel).where(ProductChannel.product_id == product.id), link_id,
                             ProductChannel)
    services.remove(entity, link)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("vendor.channels"))
