"""Showroom staff: the shelf with each certificate's state, lookups, placement decisions and exports."""


from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.core.tabular import csv_bytes
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Product
from marketplace.showrooms import services
from marketplace.showrooms.models import Placement, Showroom
from marketplace.web.showroom.blueprint import bp


def _showroom(showroom_id):
    """Load, then authorise: showrooms outside the user's scope are not found."""
    showroom = policy.get_or_404(policy.showrooms_for(current_user), showroom_id, Showroom)
    policy.authorize(current_user, "showroom.view", showroom)
    return showroom


@bp.get("/")
@role_required("showroom_staff", "officer", "admin")
def index():
    """The showrooms the user works for or oversees (staff go straight to theirs)."""
    showrooms = db.session.scalars(policy.showrooms_for(current_user).order_by(Showroom.name)).all()
    if current_user.role == "showroom_staff" and len(showrooms) == 1:
        return redirect(url_for("showroom.detail", showroom_id=showrooms[0].id))
    return render_template("showrooms/index.html", showrooms=showrooms, provinces=provinces())


@bp.get("/<int:showroom_id>")
@role_required("showroom_staff", "officer", "admin")
def detail(showroom_id):
    """The shelf sorted by urgency, pending requests, and a lookup by code, number or name."""
    showroom = _showroom(showroom_id)
    day = today()
    on_shelf, requests = services.shelf(showroom, day)
    query = request.args.get("q", "").strip()
    found = services.lookup(query, day) if query else None
    return render_template("showrooms/detail.html", showroom=showroom, on_shelf=on_shelf, requests=requests,
                           found=found, query=query, province=provinces()[showroom.province_code], day=day)


@bp.post("/<int:showroom_id>/placements/<int:placement_id>/<any(accept, decline, display, remove):action>")
@role_required("showroom_staff", "officer", "admin")
def decide(showroom_id, placement_id, action):
    """Accept or decline a request, or mark a product displayed or removed."""
    showroom = _showroom(showroom_id)
    placement = policy.get_or_404(select(Placement).where(Placement.showroom_id == showroom.id), placement_id,
                                  Placement)
    try:
        services.decide(placement, action, current_user, request.form.get("note", "").strip() or None)
    except Refused as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("showroom.detail", showroom_id=showroom.id))


@bp.post("/<int:showroom_id>/shelf")
@role_required("showroom_staff", "officer", "admin")
def add(showroom_id):
    """Put a product found by lookup on the shelf (refused when its certificate is not valid)."""
    showroom = _showroom(showroom_id)
    product = db.session.get(Product, request.form.get("product_id", type=int) or 0)
    if product is None:
        flash(_("Product not found."), "error")
    else:
        try:
            services.put_on_shelf(showroom, product, current_user, today())
        except Refused as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("On the shelf: %(product)s", product=product.name), "success")
    return redirect(url_for("showroom.detail", showroom_id=showroom.id))


@bp.get("/<int:showroom_id>/shelf.csv")
@role_required("showroom_staff", "officer", "admin")
def export(showroom_id):
    """The shelf as CSV, most urgent first."""
    showroom = _showroom(showroom_id)
    on_shelf, _requests = services.shelf(showroom, today())
    header = ["product", "entity", "placement", "certificate_number", "stars", "valid_until", "flag",
                     "days_left", "verify_code"]
    rows = []
    for item in on_shelf:
        certificate = item.certificate
        rows.append([item.product.name, item.entity.name, item.placement.status,
                         certificate.number if certificate else "", certificate.stars if certificate else "",
                         certificate.valid_until.isoformat() if certificate else "", item.flag,
                         "" if item.days_left is None else item.days_left, certificate.code if certificate else ""])
    response = Response(csv_bytes([(None, header, rows)]), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=showroom-{showroom.id}-{today()}.csv"
    return response
