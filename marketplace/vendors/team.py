"""Joining and running the entity's team: apply to sell, invite staff, remove a member."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.accounts import onboarding as services
from marketplace.accounts.models import EntityApplication, VendorMembership
from marketplace.core.actions import commit_or_flash
from marketplace.core.forms import choices
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.vendors.blueprint import bp
from marketplace.vendors.forms import ApplicationForm, InviteForm


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    """An OCOP entity applies to sell; an officer of its province decides."""
    applications = db.session.scalars(policy.applications_for(current_user).where(
        EntityApplication.user_id == current_user.id).order_by(EntityApplication.created_at.desc())).all()
    if not policy.can(current_user, "entity.apply"):
        return render_template("vendors/apply.html", form=None, applications=applications)
    form = ApplicationForm()
    form.province.choices = choices((p.code, p.name) for p in sorted(provinces().values(), key=lambda p: p.slug))
    if form.validate_on_submit():
        if current_user.email_verified_at is None:
            flash(_("Confirm your e-mail address first: we sent you a link."), "error")
        elif commit_or_flash(lambda: services.apply_for_entity(
                current_user, form.name.data.strip(), form.entity_type.data, (form.tax_code.data or "").strip(),
                form.province.data, form.address.data, form.phone.data),
                _("Thank you. An officer of your province will review the application.")):
            return redirect(url_for("vendor.apply"))
    return render_template("vendors/apply.html", form=form, applications=applications), 400 if form.errors else 200


@bp.post("/team/invite")
@role_required("vendor")
def invite():
    """The owner invites a staff member by e-mail."""
    entity = policy.own_entity_or_404(current_user)
    policy.authorize(current_user, "entity.manage_team", entity)
    form = InviteForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.invite_staff(current_user, entity, form.email.data),
                        _("Invitation sent to %(email)s.", email=form.email.data))
    else:
        flash(_("Enter a valid e-mail address."), "error")
    return redirect(url_for("vendor.dashboard"))


@bp.post("/team/<int:membership_id>/remove")
@role_required("vendor")
def remove_member(membership_id):
    """The owner removes a staff member (members of other entities are not found)."""
    entity = policy.own_entity_or_404(current_user)
    membership = policy.get_or_404(select(VendorMembership).where(VendorMembership.entity_id == entity.id),
                                   membership_id, VendorMembership)
    policy.authorize(current_user, "entity.manage_team", entity)
    commit_or_flash(lambda: services.remove_member(current_user, entity, membership), _("Removed from the team."))
    return redirect(url_for("vendor.dashboard"))
