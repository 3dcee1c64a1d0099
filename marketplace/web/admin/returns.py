"""Platform staff (the admin role): escalated returns and complaints to decide, and refunds owed by bank transfer."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.actions import commit_or_flash
from marketplace.core.input import form_int
from marketplace.extensions import db
from marketplace.returns import photos as case_photos
from marketplace.returns import queries, services
from marketplace.returns.models import CaseLine, ReturnCase
from marketplace.web.admin.blueprint import bp


def _case_or_404(case_id):
    return policy.get_or_404(select(ReturnCase), case_id, ReturnCase)


@bp.get("/returns")
@role_required("admin")
def returns_queue():
    """Cases waiting for staff (escalated, then refunds owed by hand), and every case when ``all=1``."""
    everything = request.args.get("all") == "1"
    rows = db.session.execute(queries.for_staff(None if everything else queries.STAFF_WAITING)).all()
    return render_template("returns/list.html", rows=rows, side="staff", everything=everything,
                           labels=services.STATUS_LABELS, kinds=services.KIND_LABELS)


@bp.get("/returns/<int:case_id>")
@role_required("admin")
def return_detail(case_id):
    """One case with both sides' words, the steps, and the decision form."""
    case = _case_or_404(case_id)
    return render_template("returns/detail.html", view=queries.view_of(case), side="staff",
                           labels=services.STATUS_LABELS, kinds=services.KIND_LABELS,
                           reasons=services.REASON_LABELS)


def _quantities(case):
    """``{order line id: units}`` to refund, from the form's ``qty-<line id>`` fields (400 for a bad number)."""
    items = db.session.scalars(select(CaseLine).where(CaseLine.case_id == case.id)).all()
    return {item.order_line_id: form_int(f"qty-{item.order_line_id}", default=0, minimum=0, maximum=item.quantity)
            or 0 for item in items}


@bp.post("/returns/<int:case_id>/decide")
@role_required("admin")
def return_decide(case_id):
    """Refund the case (in full, or the units given per line) or reject it, once."""
    case = _case_or_404(case_id)
    decision = request.form.get("decision", "")
    quantities = _quantities(case) if decision == "refund" else None
    commit_or_flash(lambda: services.decide(case, current_user.email, decision, quantities,
                                            request.form.get("note")), _("Decision saved: both sides have been told."))
    return redirect(url_for("admin.return_detail", case_id=case.id))


@bp.post("/returns/<int:case_id>/paid")
@role_required("admin")
def return_paid(case_id):
    """Finance staff paid a refund owed by hand: record the transfer's reference."""
    case = _case_or_404(case_id)
    commit_or_flash(lambda: services.mark_paid(case, current_user.email, request.form.get("note")),
                    _("Refund recorded as paid."))
    return redirect(url_for("admin.return_detail", case_id=case.id))


@bp.get("/returns/<int:case_id>/photos/<filename>")
@role_required("admin")
def return_photo(case_id, filename):
    """A photo the buyer added to a case."""
    return case_photos.serve(_case_or_404(case_id), filename)
