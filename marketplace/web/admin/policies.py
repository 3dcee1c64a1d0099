"""Administrators write the policy pages: every save is a new version, the older ones stay readable."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from marketplace.access.decorators import role_required
from marketplace.accounts import policies
from marketplace.core.actions import commit_or_flash
from marketplace.web.admin.blueprint import bp


def _title(label):
    return StringField(label, validators=[DataRequired(_l("Write the title.")),
                                          Length(max=policies.TITLE_MAX, message=_l("At most 200 characters."))])


def _body(label):
    return TextAreaField(label, render_kw={"rows": 18}, validators=[
        DataRequired(_l("Write the text.")), Length(max=policies.BODY_MAX, message=_l("At most 20,000 characters."))])


class PolicyForm(FlaskForm):
    """A new version of a policy, in both languages, over the version it was written from."""

    base_version = IntegerField(widget=HiddenInput(), validators=[
        InputRequired(_l("Reload the page: the version you edited is missing.")),
        NumberRange(min=1, max=2**31 - 1, message=_l("Reload the page: the version you edited is missing."))])
    title_vi = _title(_l("Title in Vietnamese"))
    body_vi = _body(_l("Text in Vietnamese (Markdown)"))
    title_en = _title(_l("Title in English"))
    body_en = _body(_l("Text in English (Markdown)"))


def _slug_or_404(slug):
    if slug not in policies.SLUGS:
        abort(404)
    return slug


@bp.get("/policies")
@role_required("admin")
def policy_list():
    """The policy pages with the day their version in force was saved."""
    return render_template("admin/policies.html", dates=policies.current_dates())


@bp.route("/policies/<slug>", methods=["GET", "POST"])
@role_required("admin")
def policy_edit(slug):
    """Write a new version of a policy; the form starts from the version in force."""
    text = policies.current(_slug_or_404(slug))
    form = PolicyForm(obj=text, base_version=text.version)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        if commit_or_flash(lambda: policies.save(slug, current_user, form.base_version.data, **_texts(form)),
                           _("Saved: this version is now in force.")):
            return redirect(url_for("admin.policy_edit", slug=slug))
        status = 409  # refused: edited from an older version, or nothing changed
    return render_template("admin/policy.html", slug=slug, text=text, form=form,
                           history=policies.history(slug)), status


def _texts(form):
    return {name: getattr(form, name).data for name in ("title_vi", "title_en", "body_vi", "body_en")}


@bp.get("/policies/<slug>/versions/<int:version>")
@role_required("admin")
def policy_version(slug, version):
    """One version of a policy as it read, in both languages."""
    text = policies.version_of(_slug_or_404(slug), version)
    if text is None:
        abort(404)
    return render_template("admin/policy_version.html", slug=slug, text=text)
