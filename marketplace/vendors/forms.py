"""Vendor forms: applying to sell, inviting staff, a listing's price, stock, package and descriptions, uploads."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from marketplace.core.forms import choices, email_field, import_file_field


def price_field():
    """A price in whole đồng between 1,000 and 99,999,999."""
    return IntegerField(_l("Price (đồng)"), validators=[
        DataRequired(_l("Enter the price in đồng.")), NumberRange(min=1000, max=99_999_999,
                                                                 message=_l("Between 1.000 ₫ and 99.999.999 ₫."))])


def stock_field():
    """Units in stock, 0 or more."""
    return IntegerField(_l("Stock"), validators=[NumberRange(min=0, max=1_000_000,
                                                             message=_l("A whole number, 0 or more."))])


class ListingForm(FlaskForm):
    """What a vendor sets for one certified product."""

    price_vnd = price_field()
    stock = stock_field()
    unit = StringField(_l("Package (e.g. box of 200 g)"), validators=[Optional(), Length(max=80)])
    description_vi = TextAreaField(_l("Description in Vietnamese (Markdown)"), validators=[Optional(),
                                                                                           Length(max=5000)])
    description_en = TextAreaField(_l("Description in English (Markdown)"), validators=[Optional(),
                                                                                        Length(max=5000)])
    published = BooleanField(_l("Show it on the storefront"))


class VariantForm(FlaskForm):
    """Another package size of a listing, with its own price and stock."""

    label = StringField(_l("Package (e.g. box of 500 g)"), validators=[DataRequired(_l("Name the package.")),
                                                                       Length(max=80)])
    price_vnd = price_field()
    stock = stock_field()


class ApplicationForm(FlaskForm):
    """An OCOP entity applies to sell here."""

    name = StringField(_l("Entity name (as on the OCOP decision)"), validators=[DataRequired(), Length(max=300)])
    entity_type = SelectField(_l("Legal form"), choices=choices([
        ("cooperative", _l("Cooperative")), ("cooperative_group", _l("Cooperative group")),
        ("enterprise", _l("Enterprise")), ("household_business", _l("Household business"))]))
    tax_code = StringField(_l("Tax code / business registration number"), validators=[
        Optional(), Regexp(r"^\d{10}(-\d{3})?$", message=_l("A tax code has 10 digits, or 10-3 for a branch."))])
    province = SelectField(_l("Province"))
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"), validators=[Optional(), Regexp(
        r"^(\+84|0)(3|5|7|8|9)\d{8}$", message=_l("Enter a Vietnamese mobile number, e.g. 0912345678."))])


class InviteForm(FlaskForm):
    """The owner invites a staff member."""

    email = email_field()


class ListingUploadForm(FlaskForm):
    """A listing file (CSV or XLSX, contract §3)."""

    file = import_file_field(_l("Listing file (CSV or XLSX)"))
