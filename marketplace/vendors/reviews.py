"""Vendor pages for reviews: the reviews of the entity's products, and the one public reply to each."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reviews import queries, services
from marketplace.reviews.models import Review
from marketplace.vendors.blueprint import bp


@bp.get("/reviews")
@role_required("vendor")
def reviews():
    """Reviews of the entity's products, those waiting for a reply first."""
    policy.own_entity_or_404(current_user)
    return render_template("vendors/reviews.html", rows=queries.vendor_page(current_user),
                           status_labels=services.STATUS_LABELS, max_reply=services.MAX_REPLY)


@bp.post("/reviews/<int:review_id>/reply")
@role_required("vendor")
def reply(review_id):
    """Answer a published review of one of the entity's products, once and publicly."""
    policy.own_entity_or_404(current_user)
    review = policy.get_or_404(queries.vendor_reviews(current_user), review_id, Review)
    try:
        services.reply(current_user, review, request.form.get("reply"))
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your reply is published."), "success")
    return redirect(url_for("vendor.reviews", _anchor=f"review-{review_id}"))
