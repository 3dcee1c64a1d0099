"""The entity's profile as buyers see it in the seller box: the owner keeps the contact, officers the legal facts."""

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.accounts.forms import normalise_phone
from marketplace.core.actions import commit_or_flash
from marketplace.reference.lookup import provinces
from marketplace.registry import services
from marketplace.vendors.blueprint import bp


class ContactForm(FlaskForm):
    """How buyers reach the entity: a phone number (mobile, landline or 1800/1900 line) and an e-mail address."""

    contact_phone = StringField(_l("Phone for buyers"), filters=[normalise_phone], render_kw={"inputmode": "tel"},
                                validators=[Optional(), Regexp(r"^(0\d{9,10}|1[89]00\d{4,6})$", message=_l(
                                    "Enter a Vietnamese phone number, e.g. 0912345678 or 02083123456."))])
    contact_email = EmailField(_l("E-mail for buyers"), validators=[
        Optional(), Email(_l("Enter a valid e-mail address."), check_deliverability=False), Length(max=254)])


@bp.route("/profile", methods=["GET", "POST"])
@role_required("vendor")
def profile():
    """The seller box's facts: the contact, which the owner edits, and the legal facts the registry keeps."""
    entity = policy.own_entity_or_404(current_user)
    may_edit = policy.can(current_user, "entity.edit_contact", entity)
    form = ContactForm(obj=entity)
    if form.is_submitted():
        policy.authorize(current_user, "entity.edit_contact", entity)
        if form.validate() and commit_or_flash(
                lambda: services.set_entity_contact(entity, form.contact_phone.data, form.contact_email.data),
                _("Saved: buyers see the new contact in the seller box.")):
            return redirect(url_for("vendor.profile"))
    return render_template("vendors/profile.html", entity=entity, form=form, may_edit=may_edit,
                           province=provinces()[entity.province_code]), 400 if form.errors else 200
