"""Administrators' forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import Optional

from marketplace.core.forms import choices


class RoleForm(FlaskForm):
    """An administrator sets a user's role and scope."""

    role = SelectField(_l("Role"), choices=choices([
        ("customer", _l("Customer")), ("vendor", _l("Vendor")), ("showroom_staff", _l("Showroom staff")),
        ("officer", _l("Officer")), ("admin", _l("Administrator"))]))
    province = SelectField(_l("Province (officers; empty = national)"), validators=[Optional()])
    showroom = SelectField(_l("Showroom (showroom staff)"), validators=[Optional()])
    active = BooleanField(_l("Active"))
