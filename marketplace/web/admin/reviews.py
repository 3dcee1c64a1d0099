"""The admins' moderation queue: reviews held by the word filter or hidden by a report, and the decision on each."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reviews import queries, services
from marketplace.reviews.models import Review
from marketplace.web.admin.blueprint import bp


@bp.get("/reviews")
@role_required("admin")
def reviews():
    """Reviews waiting for a decision, oldest first, with their reports and photos."""
    return render_template("admin/reviews.html", rows=queries.moderation_queue(),
                           status_labels=services.STATUS_LABELS, reason_labels=services.REASON_LABELS)


@bp.post("/reviews/<int:review_id>")
@role_required("admin")
def decide_review(review_id):
    """Publish (restore, approve) or remove a review; its open reports are closed."""
    review = policy.get_or_404(queries.moderation_candidates(), review_id, Review)
    decision = request.form.get("decision", "")
    try:
        services.moderate(current_user, review, decision, request.form.get("note") or None)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The review is published.") if decision == "publish" else _("The review is removed."), "success")
    return redirect(url_for("admin.reviews"))
