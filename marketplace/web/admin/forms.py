"""Administrators' forms."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import TextInput

from marketplace.core.forms import choices


class RoleForm(FlaskForm):
    """An administrator sets a user's role and scope."""

    role = SelectField(_l("Role"), choices=choices([
        ("customer", _l("Customer")), ("vendor", _l("Vendor")), ("showroom_staff", _l("Showroom staff")),
        ("officer", _l("Officer")), ("admin", _l("Administrator"))]))
    province = SelectField(_l("Province (officers; empty = national)"), validators=[Optional()])
    showroom = SelectField(_l("Showroom (showroom staff)"), validators=[Optional()])
    active = BooleanField(_l("Active"))


#: Whole đồng as people write them: 1500000, or grouped by threes with dots, commas or spaces (1.500.000).
GROUPED_VND = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*|\d+")


class AmountField(IntegerField):
    """Whole đồng typed plain or grouped by threes ("1.500.000", "1 500 000 ₫"); anything else is an error."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Read the typed amount; a text that is not whole đồng is refused, never guessed."""
        text = (valuelist[0] if valuelist else "").replace("\u00a0", " ").strip().removesuffix("₫").strip()
        if not text:
            self.data = None
        elif GROUPED_VND.fullmatch(text):
            self.data = int(re.sub(r"[.,\s]", "", text))
        else:
            self.data = None
            raise ValueError(_l("Enter the amount in whole đồng, e.g. 1.500.000."))

    def pre_validate(self, form):
        """Stop at an unreadable amount: its message says it all."""
        if self.process_errors:
            raise StopValidation()


class PayoutForm(FlaskForm):
    """Finance staff record a bank transfer made to an entity."""

    amount_vnd = AmountField(_l("Amount (đồng)"), render_kw={"inputmode": "numeric", "autocomplete": "off"},
                             validators=[DataRequired(_l("Enter the amount in whole đồng, e.g. 1.500.000.")),
                                         NumberRange(min=1, max=10**12,
                                                     message=_l("Enter the amount in whole đồng, e.g. 1.500.000."))])
    paid_on = DateField(_l("Day of the transfer"), validators=[DataRequired(_l("Enter the day of the transfer."))])
    bank_reference = StringField(_l("Bank reference of the transfer"),
                                 validators=[DataRequired(_l("Give the bank's reference of the transfer.")),
                                             Length(max=64)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300)])
