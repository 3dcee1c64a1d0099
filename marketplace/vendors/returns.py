"""Returns and complaints about the entity's parcels: read them, accept (send back or keep it) or refuse them."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.actions import commit_or_flash
from marketplace.extensions import db
from marketplace.returns import labels, queries, services
from marketplace.returns import photos as case_photos
from marketplace.returns.models import ReturnCase
from marketplace.vendors.blueprint import bp


def _own_case_or_404(case_id):
    """A case about one of the member's entity's parcels; another entity's is not found."""
    entity = policy.own_entity_or_404(current_user)
    return policy.get_or_404(select(ReturnCase).where(ReturnCase.entity_id == entity.id), case_id, ReturnCase)


@bp.get("/returns")
@role_required("vendor")
def returns():
    """The entity's cases, those waiting for its answer first."""
    entity = policy.own_entity_or_404(current_user)
    return render_template("returns/list.html", rows=db.session.execute(queries.for_entity(entity.id)).all(),
                           side="vendor", labels=services.STATUS_LABELS, kinds=services.KIND_LABELS)


@bp.get("/returns/<int:case_id>")
@role_required("vendor")
def return_detail(case_id):
    """One case: what the buyer asked, the lines and photos, the deadline; accept or refuse it."""
    case = _own_case_or_404(case_id)
    view = queries.view_of(case)
    return render_template("returns/detail.html", view=view, side="vendor",
                           by_carrier=labels.came_by_carrier(view.part), labels=services.STATUS_LABELS,
                           kinds=services.KIND_LABELS, reasons=services.REASON_LABELS)


def _back(case):
    return redirect(url_for("vendor.return_detail", case_id=case.id))


def _answer(case, action, done):
    """Answer the case, unless its deadline passed: then it goes to the platform now and the vendor is told why."""
    if services.escalate_if_unanswered(case):
        db.session.commit()
        flash(services.late_answer_message(), "error")
    else:
        commit_or_flash(action, done)
    return _back(case)


@bp.post("/returns/<int:case_id>/accept")
@role_required("vendor")
def return_accept(case_id):
    """Accept: the goods come back (a carrier label, or instructions) or the buyer keeps them and is refunded."""
    case = _own_case_or_404(case_id)
    resolution = request.form.get("resolution", "")
    done = _("Accepted: the buyer has been told.")
    return _answer(case, lambda: services.accept(case, resolution, current_user.email,
                                                 request.form.get("instructions")), done)


@bp.post("/returns/<int:case_id>/refuse")
@role_required("vendor")
def return_refuse(case_id):
    """Refuse, saying why (the buyer may ask the platform to decide)."""
    case = _own_case_or_404(case_id)
    return _answer(case, lambda: services.refuse(case, current_user.email, request.form.get("reason")),
                   _("Refused: the buyer has been told."))


@bp.post("/returns/<int:case_id>/received")
@role_required("vendor")
def return_received(case_id):
    """The goods came back: the buyer is refunded."""
    case = _own_case_or_404(case_id)
    commit_or_flash(lambda: services.received(case, current_user.email), _("Refund made: the buyer has been told."))
    return _back(case)


@bp.get("/returns/<int:case_id>/label")
@role_required("vendor")
def return_label(case_id):
    """The carrier's label of the return parcel (to send to the buyer, or to follow it)."""
    case = _own_case_or_404(case_id)
    url, error = labels.label_url(case)
    if error:
        flash(_("The carrier's label cannot be opened now; try again in a moment."), "error")
        return _back(case)
    return redirect(url)


@bp.get("/returns/<int:case_id>/photos/<filename>")
@role_required("vendor")
def return_photo(case_id, filename):
    """A photo the buyer added to a case about the entity's parcel."""
    return case_photos.serve(_own_case_or_404(case_id), filename)
