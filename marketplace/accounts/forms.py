"""The delivery address form checkout and the account share: a ward of the official list, phone numbers normalised."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from marketplace.core.forms import choices
from marketplace.reference.lookup import provinces, resolve_ward

_SEPARATORS = re.compile(r"[\s.\-()]+")


def normalise_phone(value):
    """A phone number as typed ("+84 912.345.678", " 0912 345 678") in the ``0XXXXXXXXX`` form; else unchanged."""
    if value is None:
        return None
    digits = _SEPARATORS.sub("", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def province_choices():
    """The 34 provinces by name, after an empty "choose" entry (no province is chosen for the buyer)."""
    ordered = sorted(provinces().values(), key=lambda p: p.slug)
    return [("", _l("Choose a province or city")), *choices((p.code, p.name) for p in ordered)]


class AddressForm(FlaskForm):
    """Who receives a parcel and where: name, phone, province, commune or ward, street address."""

    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the recipient's name.")), Length(max=120)])
    phone = StringField(_l("Phone"), filters=[normalise_phone], render_kw={"inputmode": "tel"}, validators=[
        DataRequired(_l("Enter a phone number for the delivery.")),
        Regexp(r"^0[35789]\d{8}$", message=_l("Enter a Vietnamese mobile number, e.g. 0912345678."))])
    province = SelectField(_l("Province"), validators=[DataRequired(_l("Choose the province or city."))])
    ward = StringField(_l("Commune / ward"), render_kw={"list": "ward-list"},
                       validators=[DataRequired(_l("Choose the commune or ward.")), Length(max=120)])
    address = TextAreaField(_l("Street address"), validators=[DataRequired(_l("Enter the street address.")),
                                                              Length(max=500)])

    def __init__(self, *args, **kwargs):
        """Fill the province list; ``ward_unit`` is the official ward once the form validates."""
        super().__init__(*args, **kwargs)
        self.province.choices = province_choices()
        self.ward_unit = None

    def validate_ward(self, field):
        """The ward must be one of the chosen province (an old name is converted to its ward since July 2025)."""
        self.ward_unit = resolve_ward(self.province.data, field.data)
        if self.province.data and self.ward_unit is None:
            raise ValidationError(_l("Choose the commune or ward from the list of the province."))
