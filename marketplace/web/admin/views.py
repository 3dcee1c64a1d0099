"""Administration: users and roles, and the audit log (officers read their province's part)."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.accounts import roles as services
from marketplace.accounts.models import User
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import Refused
from marketplace.core.forms import choices
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.payments import services as payment_services
from marketplace.payments.models import Payment, Refund
from marketplace.reference.lookup import provinces
from marketplace.shop.orders.models import Order
from marketplace.showrooms.models import Showroom
from marketplace.web.admin.blueprint import bp
from marketplace.web.admin.forms import RoleForm

#: How refund reasons read for finance staff.
REFUND_REASONS = {"late_payment": _l("Paid after the order was cancelled"),
                  "customer_cancel": _l("Cancelled by the customer"),
                  "vendor_part": _l("A producer cancelled or refunded its part"), "admin": _l("Refunded by staff")}

PAGE_SIZE = 100


@bp.get("/users")
@role_required("admin")
def users():
    """Users, filtered by role or e-mail."""
    query = select(User).order_by(User.created_at.desc())
    if role := request.args.get("role"):
        query = query.where(User.role == role)
    if email := request.args.get("email", "").strip().lower():
        query = query.where(User.email.contains(email, autoescape=True))
    return render_template("admin/users.html", users=db.session.scalars(query.limit(PAGE_SIZE)).all())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user(user_id):
    """Change a user's role, scope and active flag."""
    target = policy.get_or_404(select(User), user_id, User)
    form = RoleForm(obj=target, province=target.province_code or "", showroom=str(target.showroom_id or ""))
    form.province.choices = choices([("", _("National"))] + [(p.code, p.name) for p in provinces().values()])
    form.showroom.choices = choices([("", "—")] + [(str(s.id), s.name) for s in db.session.scalars(select(Showroom))])
    if form.validate_on_submit():
        try:
            services.set_role(target, form.role.data, form.province.data or None,
                              int(form.showroom.data) if form.showroom.data else None, form.active.data)
        except Refused as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return render_template("admin/user.html", target=target, form=form), 400 if form.errors else 200


def _date_arg(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/audit")
@role_required("officer", "admin")
def audit_log():
    """The audit log in the reader's scope, filtered by action, subject, actor and dates."""
    query = policy.audit_for(current_user).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action := request.args.get("action", "").strip():
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if subject := request.args.get("subject_type", "").strip():
        query = query.where(AuditEntry.subject_type == subject)
    if actor := request.args.get("actor", "").strip().lower():
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if since := _date_arg("since"):
        query = query.where(AuditEntry.at >= since)
    if until := _date_arg("until"):
        query = query.where(AuditEntry.at < date.fromordinal(until.toordinal() + 1))
    entries = db.session.scalars(query.limit(PAGE_SIZE)).all()
    return render_template("admin/audit.html", entries=entries)


@bp.get("/payments")
@role_required("admin")
def transfers():
    """Bank transfers waiting for confirmation, oldest first."""
    rows = db.session.execute(select(Payment, Order).join(Order, Order.id == Payment.order_id)
                              .where(Payment.method == "bank_transfer", Payment.status == "pending")
                              .order_by(Payment.id)).all()
    recent = db.session.scalars(select(Order).where(Order.status.in_(("paid", "processing", "shipped", "delivered")))
                                .order_by(Order.id.desc()).limit(50)).all()
    return render_template("admin/payments.html", rows=rows, recent=recent, failed_refunds=refunds.failed_refunds(),
                           refund_reasons=REFUND_REASONS)


@bp.post("/refunds/<int:refund_id>/retry")
@role_required("admin")
def retry_refund(refund_id):
    """Finance staff retry a refund the payment provider refused (same refund, never a second one)."""
    refund = policy.get_or_404(select(Refund), refund_id, Refund)
    try:
        refunds.retry(refund, current_user.email)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()  # the attempt is recorded, made or refused again
        if refund.status == "succeeded":
            flash(_("The refund was made."), "success")
        else:
            flash(_("The refund could not be made: %(error)s", error=refund.error), "error")
    return redirect(url_for("admin.transfers", _anchor="failed-refunds"))


@bp.post("/payments/<int:payment_id>/confirm")
@role_required("admin")
def confirm_transfer(payment_id):
    """Finance staff confirm that a transfer arrived: the order becomes paid."""
    payment = policy.get_or_404(select(Payment), payment_id, Payment)
    try:
        order = payment_services.confirm_transfer(payment, current_user)
    except payment_services.PaymentError:
        flash(_("This transfer cannot be confirmed (already confirmed, or the order was cancelled)."), "error")
    else:
        db.session.commit()
        flash(_("Order %(reference)s is paid.", reference=order.reference), "success")
    return redirect(url_for("admin.transfers"))


@bp.post("/orders/<reference>/refund")
@role_required("admin")
def refund_order(reference):
    """Refund (or cancel, if unpaid) every part of an order that has not been delivered elsewhere."""
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if order is None:
        abort(404)
    try:
        refunds.refund_order(order, current_user.email)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Order %(reference)s refunded.", reference=order.reference), "success")
    return redirect(url_for("admin.transfers"))
