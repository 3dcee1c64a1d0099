"""Proposing the entity's products to OCOP showrooms."""

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.actions import commit_or_flash
from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.showrooms import services as showroom_services
from marketplace.showrooms.models import Showroom
from marketplace.vendors.blueprint import bp


@bp.post("/placements")
@role_required("vendor")
def request_placement():
    """Propose one of the entity's products to a showroom."""
    entity = policy.own_entity_or_404(current_user)
    product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id),
                                request.form.get("product_id", type=int) or 0, Product)
    showroom = db.session.get(Showroom, request.form.get("showroom_id", type=int) or 0)
    if showroom is None:
        abort(404)
    commit_or_flash(lambda: showroom_services.request_placement(current_user, product, showroom, today()),
                    _("Proposed to %(showroom)s.", showroom=showroom.name))
    return redirect(url_for("vendor.dashboard"))
