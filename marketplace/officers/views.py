"""Programme officers: entity applications of their province (or the whole country)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import policy
from marketplace.accounts.decorators import role_required
from marketplace.accounts.errors import AccountError
from marketplace.accounts.forms import DecisionForm
from marketplace.accounts.models import EntityApplication
from marketplace.extensions import db
from marketplace.vendors import services

bp = Blueprint("officers", __name__, url_prefix="/officer")


@bp.get("/applications")
@role_required("officer", "admin")
def applications():
    """Applications in the officer's scope, pending first."""
    status = request.args.get("status", "pending")
    query = policy.applications_for(current_user)
    if status in ("pending", "approved", "rejected"):
        query = query.where(EntityApplication.status == status)
    rows = db.session.scalars(query.order_by(EntityApplication.created_at.desc()).limit(200)).all()
    return render_template("officers/applications.html", applications=rows, status=status)


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@role_required("officer", "admin")
def application(application_id):
    """Review one application and approve or reject it."""
    item = policy.get_or_404(policy.applications_for(current_user), application_id, EntityApplication)
    form = DecisionForm()
    if request.method == "POST":
        policy.authorize(current_user, "application.decide", item)
        if form.validate_on_submit():
            try:
                services.decide_application(current_user, item, request.form.get("decision") == "approve",
                                            form.reason.data)
            except AccountError as error:
                flash(error.message, "error")
                return render_template("officers/application.html", item=item, form=form), 400
            db.session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for("officers.applications"))
    return render_template("officers/application.html", item=item, form=form,
                           can_decide=policy.can(current_user, "application.decide", item))
