"""API tokens: the entity's owner makes, lists and revokes the keys its own shop or a sales channel syncs with."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.accounts import api_tokens
from marketplace.accounts.api_tokens import ApiToken
from marketplace.core.actions import commit_or_flash
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.vendors.blueprint import bp


class TokenForm(FlaskForm):
    """A new token: its name and what it may do."""

    name = StringField(_l("Name (the shop or channel that will use it)"),
                       validators=[DataRequired(_l("Give the token a name.")), Length(max=80)])
    orders_read = BooleanField(_l("Read the entity's orders (orders:read)"), default=True)
    listings_write = BooleanField(_l("Change listings' price and stock (listings:write)"))

    def scopes(self):
        """The scopes ticked."""
        return [scope for scope, ticked in (("orders:read", self.orders_read.data),
                                            ("listings:write", self.listings_write.data)) if ticked]


def _owned_entity():
    """Load, then authorise: the member's entity, which only its owner may give tokens for."""
    entity = policy.own_entity_or_404(current_user)
    policy.authorize(current_user, "entity.manage_tokens", entity)
    return entity


def _page(entity, form, secret=None, status=200):
    page = render_template("vendors/tokens.html", entity=entity, form=form, secret=secret,
                           tokens=api_tokens.tokens_of(entity.id))
    return page, status


@bp.get("/tokens")
@role_required("vendor")
def tokens():
    """The entity's API tokens (prefix, scopes, last use) and the form for a new one."""
    entity = _owned_entity()
    return _page(entity, TokenForm(formdata=None))


@bp.post("/tokens")
@role_required("vendor")
def create_token():
    """Make a token; its secret is shown on this one page and never again."""
    entity = _owned_entity()
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(entity, form, status=400)
    try:
        _token, secret = api_tokens.create(entity, form.name.data, form.scopes(), current_user)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(entity, form, status=400)
    db.session.commit()
    flash(_("Token created. Copy it now: it will not be shown again."), "success")
    page, status = _page(entity, TokenForm(formdata=None), secret=secret)
    return page, status, {"Cache-Control": "no-store"}  # the secret is on this page: no cache keeps it


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("vendor")
def revoke_token(token_id):
    """Revoke one of the entity's tokens (another entity's are not found): it stops working at once."""
    entity = policy.own_entity_or_404(current_user)
    token = policy.get_or_404(select(ApiToken).where(ApiToken.entity_id == entity.id), token_id, ApiToken)
    policy.authorize(current_user, "entity.manage_tokens", entity)
    commit_or_flash(lambda: api_tokens.revoke(entity, token), _("Token revoked: it no longer works."))
    return redirect(url_for("vendor.tokens"))
