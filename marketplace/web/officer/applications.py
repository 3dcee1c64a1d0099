"""Officers decide OCOP entities' applications to sell, in their province (or the whole country)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.access import policy
from marketplace.access import registry as registry_data
from marketplace.access.decorators import role_required
from marketplace.accounts import onboarding as services
from marketplace.accounts.models import EntityApplication
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.web.officer.blueprint import bp
from marketplace.web.officer.forms import ApplicationDecisionForm
from marketplace.web.officer.programme import TYPE_LABELS

STATUS_LABELS = {"pending": _l("Waiting"), "approved": _l("Approved"), "rejected": _l("Rejected")}


def labels():
    """What the application templates need to show names and labels instead of stored codes."""
    return {"provinces": provinces(), "type_labels": TYPE_LABELS, "status_labels": STATUS_LABELS}


@bp.get("/applications")
@role_required("officer", "admin")
def applications():
    """Applications in the officer's scope, pending first."""
    status = request.args.get("status", "pending")
    query = policy.applications_for(current_user)
    if status in ("pending", "approved", "rejected"):
        query = query.where(EntityApplication.status == status)
    rows = db.session.scalars(query.order_by(EntityApplication.created_at.desc()).limit(200)).all()
    return render_template("officers/applications.html", applications=rows, status=status,
                           matches=registry_data.matched_entities(rows), **labels())


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@role_required("officer", "admin")
def application(application_id):
    """Review one application and approve or reject it."""
    item = policy.get_or_404(policy.applications_for(current_user), application_id, EntityApplication)
    form = ApplicationDecisionForm()
    if request.method == "POST":
        policy.authorize(current_user, "application.decide", item)
        if form.validate_on_submit():
            try:
                services.decide_application(current_user, item, request.form.get("decision") == "approve",
                                            form.reason.data)
            except Refused as error:
                flash(error.message, "error")
                return render_template("officers/application.html", item=item, form=form,
                                       match=registry_data.matched_entities([item]).get(item.entity_id),
                                       **labels()), 400
            db.session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for("officer.applications"))
    return render_template("officers/application.html", item=item, form=form,
                           can_decide=policy.can(current_user, "application.decide", item),
                           match=registry_data.matched_entities([item]).get(item.entity_id), **labels())
