"""A buyer's reviews: the delivered products to review, writing and editing one, and reporting anyone's review."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.access import policy
from marketplace.core.errors import Refused
from marketplace.core.security import safe_next
from marketplace.extensions import db
from marketplace.reviews import photos as review_photos
from marketplace.reviews import queries, services
from marketplace.reviews.models import Review
from marketplace.web.account.blueprint import bp


@bp.get("/account/reviews")
@login_required
def reviews():
    """The buyer's delivered products waiting for a review, and the reviews they wrote."""
    waiting, written = queries.buyer_page(current_user)
    return render_template("accounts/reviews.html", waiting=waiting, written=written,
                           editable=services.editable, status_labels=services.STATUS_LABELS)


def _own_line_or_404(line_id):
    """Load, then authorise: ``(line, part, order)`` of the buyer's own order, else 404."""
    found = queries.buyer_line_or_none(current_user, line_id)
    if found is None:
        abort(404)
    return found


def _form_page(line, review, status=200):
    photos = review_photos.photos_for([review.id]).get(review.id, []) if review is not None else []
    return render_template("accounts/review_form.html", line=line, review=review, photos=photos,
                           editable=review is None or services.editable(review), edit_days=services.EDIT_DAYS,
                           max_photos=review_photos.MAX_PHOTOS, max_body=services.MAX_BODY,
                           status_labels=services.STATUS_LABELS,
                           failure_message=review_photos.failure_message), status


@bp.get("/account/reviews/lines/<int:line_id>")
@login_required
def review_form(line_id):
    """Write a review of a delivered line, or edit the one written (within its window)."""
    line, part, order = _own_line_or_404(line_id)
    review = queries.review_of_line(line.id)
    if review is None:
        try:
            services.check_reviewable(current_user, line, part, order)
        except Refused as error:
            flash(error.message, "error")
            return redirect(url_for("checkout.detail", reference=order.reference))
    return _form_page(line, review)


@bp.post("/account/reviews/lines/<int:line_id>")
@login_required
def save_review(line_id):
    """Save the review of a delivered line: a new one, or the edit of the buyer's own (photos added or removed)."""
    line, _part, _order = _own_line_or_404(line_id)
    review = queries.review_of_line(line.id)
    uploads = request.files.getlist("photos")
    try:
        if review is None:
            review, refused = services.write(current_user, line, request.form.get("rating"),
                                             request.form.get("body"), uploads)
        else:
            removed = {int(value) for value in request.form.getlist("remove_photo") if value.isdigit()}
            refused = services.edit(current_user, review, request.form.get("rating"), request.form.get("body"),
                                    uploads, removed)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return _form_page(line, queries.review_of_line(line.id), 422)
    db.session.commit()  # without a queue the photo jobs and the vendor's mail run here
    for name, reason in refused:
        flash(_("%(file)s was not added: %(reason)s", file=name, reason=reason), "error")
    flash(_("Thank you: your review is published.") if review.status == "published"
          else _("Thank you: your review will be shown once our team has read it."), "success")
    return redirect(url_for("account.reviews"))


@bp.post("/account/reviews/<int:review_id>/report")
@login_required
def report_review(review_id):
    """Report a shown review: it is hidden until an admin decides (see ``services.report``)."""
    review = policy.get_or_404(queries.shown_reviews(), review_id, Review)
    try:
        services.report(current_user, review, request.form.get("reason", ""), request.form.get("note"))
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Thank you: our team will read this review."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("account.reviews"))

