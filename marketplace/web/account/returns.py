"""A buyer's returns and complaints: open one about a delivered parcel, follow it, escalate or withdraw it."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.access import policy
from marketplace.core.actions import commit_or_flash
from marketplace.core.errors import Refused
from marketplace.core.input import form_int
from marketplace.extensions import db
from marketplace.returns import deadlines, labels, queries, services
from marketplace.returns import photos as case_photos
from marketplace.returns.models import KINDS, REASONS, ReturnCase
from marketplace.shop.orders.models import Order, VendorOrder
from marketplace.web.account.blueprint import bp


def _my_case_or_404(case_id):
    """One of the signed-in buyer's cases; anyone else's is not found."""
    return policy.get_or_404(select(ReturnCase).where(ReturnCase.user_id == current_user.id), case_id, ReturnCase)


def _my_part_or_404(vendor_order_id):
    """A vendor order of one of the signed-in buyer's orders; anyone else's is not found."""
    query = select(VendorOrder).join(Order, Order.id == VendorOrder.order_id).where(Order.user_id == current_user.id)
    return policy.get_or_404(query, vendor_order_id, VendorOrder)


@bp.get("/account/returns")
@login_required
def returns():
    """The buyer's cases, newest first, with their status."""
    return render_template("returns/list.html", rows=db.session.execute(queries.for_buyer(current_user)).all(),
                           side="buyer", labels=services.STATUS_LABELS, kinds=services.KIND_LABELS)


@bp.get("/account/returns/<int:case_id>")
@login_required
def return_detail(case_id):
    """One case: what was asked, the producer's answer, the steps with who and when; escalate or withdraw."""
    case = _my_case_or_404(case_id)
    return render_template("returns/detail.html", view=queries.view_of(case), side="buyer",
                           can_escalate=_can_escalate(case), **_labels())


def _can_escalate(case):
    """True when the buyer may take the case to the platform now."""
    if case.status == "refused":
        return not deadlines.overdue(case.escalation_due_at)
    return services.can_move(case, "escalated", "buyer")


def _labels():
    """The translated names a case page shows."""
    return {"labels": services.STATUS_LABELS, "kinds": services.KIND_LABELS, "reasons": services.REASON_LABELS}


@bp.route("/account/returns/new/<int:vendor_order_id>", methods=["GET", "POST"])
@login_required
def return_open(vendor_order_id):
    """The form to open a return or complaint about a delivered parcel; the case page once opened."""
    part = _my_part_or_404(vendor_order_id)
    order = db.session.get(Order, part.order_id)
    if request.method == "POST":
        try:
            case = services.open_case(current_user, part, request.form.get("kind", ""), request.form.get("reason", ""),
                                      request.form.get("details"), _quantities(part),
                                      request.form.get("bank_details"), request.files.getlist("photos"))
        except Refused as error:
            db.session.rollback()
            return _open_page(part, order, error.message), 400
        db.session.commit()
        flash(_("Your case is open: the producer has been told."), "success")
        return redirect(url_for("account.return_detail", case_id=case.id))
    return _open_page(part, order)


def _quantities(part):
    """``{order line id: units}`` from the form's ``qty-<line id>`` fields (400 for anything not a number)."""
    return {line.id: form_int(f"qty-{line.id}", default=0, minimum=0, maximum=line.quantity) or 0
            for line in queries.lines_of_part(part.id)}


def _open_page(part, order, error=None):
    """The form to open a case, with why it cannot be opened when it cannot."""
    existing = queries.open_case_of(part.id)
    can_open = part.status == "delivered" and deadlines.window_open(part) and existing is None
    return render_template("returns/open.html", part=part, order=order, lines=queries.lines_of_part(part.id),
                           refunded=queries.refunded_quantities(part.id), existing=existing, can_open=can_open,
                           error=error, kinds=KINDS, reasons=REASONS, kind_labels=services.KIND_LABELS,
                           reason_labels=services.REASON_LABELS, online=services.paid_online(order),
                           window_days=current_app.config["RETURN_WINDOW_DAYS"],
                           max_photos=case_photos.MAX_PHOTOS)


@bp.post("/account/returns/<int:case_id>/escalate")
@login_required
def return_escalate(case_id):
    """Ask the platform to decide a refused case (or goods the producer never acknowledged)."""
    case = _my_case_or_404(case_id)
    if services.close_if_lapsed(case):  # decided now, not when the deadline job runs
        db.session.commit()
        flash(services.late_escalation_message(), "error")
    else:
        commit_or_flash(lambda: services.escalate(case, current_user.email),
                        _("The platform's staff will decide your case."))
    return redirect(url_for("account.return_detail", case_id=case.id))


@bp.post("/account/returns/<int:case_id>/withdraw")
@login_required
def return_withdraw(case_id):
    """Withdraw a case nobody has decided yet."""
    case = _my_case_or_404(case_id)
    commit_or_flash(lambda: services.withdraw(case, current_user.email), _("Your case was withdrawn."))
    return redirect(url_for("account.return_detail", case_id=case.id))


@bp.get("/account/returns/<int:case_id>/label")
@login_required
def return_label(case_id):
    """The carrier's printable label for sending the goods back (a fresh link from the carrier each time)."""
    case = _my_case_or_404(case_id)
    url, error = labels.label_url(case)
    if error:
        flash(_("The carrier's label cannot be opened now; try again in a moment."), "error")
        return redirect(url_for("account.return_detail", case_id=case.id))
    return redirect(url)


@bp.get("/account/returns/<int:case_id>/photos/<filename>")
@login_required
def return_photo(case_id, filename):
    """A photo of one of the buyer's cases."""
    case = _my_case_or_404(case_id)
    return case_photos.serve(case, filename)
