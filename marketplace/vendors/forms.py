"""Vendor forms: applying, staff, listings (price, stock, package, weight, descriptions), pick-up address, uploads."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, StopValidation
from wtforms.widgets import TextInput

from marketplace.accounts.forms import AddressForm
from marketplace.core.forms import choices, email_field, import_file_field

#: Currency marks a vendor may type around a price: ₫, đ, d, VND, "đồng" (any case).
CURRENCY = re.compile(r"(₫|vnđ|vnd|đồng|dong|đ|d)$", re.IGNORECASE)
#: Whole đồng, plain (420000) or grouped by threes with dots, commas or spaces (420.000, 420,000, 420 000).
GROUPED = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*|\d+")


def parse_vnd(text):
    """Whole đồng from what a vendor types ("420.000", "420,000", "420000 ₫", " 420 000 "), or None."""
    cleaned = (text or "").replace("\u00a0", " ").replace("\u202f", " ").strip()
    cleaned = CURRENCY.sub("", cleaned).strip()
    if not GROUPED.fullmatch(cleaned):
        return None
    return int(re.sub(r"[.,\s]", "", cleaned))


class VndField(IntegerField):
    """A price in whole đồng typed as people write it: thousands separators and a currency mark are accepted."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Read the typed price; a text that is not whole đồng is an error, not a guess."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = parse_vnd(valuelist[0])
        if self.data is None:
            raise ValueError(_("Enter the price in whole đồng, e.g. 420.000."))

    def pre_validate(self, form):
        """Stop at an unreadable price: its message says it all."""
        if self.process_errors:
            raise StopValidation()


def price_field():
    """A price in whole đồng between 1,000 and 99,999,999."""
    return VndField(_l("Price (đồng)"), render_kw={"inputmode": "numeric", "autocomplete": "off"}, validators=[
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
    description_vi = TextAreaField(_l("Description in Vietnamese"), render_kw={"rows": 8},
                                   validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), render_kw={"rows": 8},
                                   validators=[Optional(), Length(max=5000)])
    published = BooleanField(_l("Show it on the storefront"))
    gtin = StringField(_l("GTIN (the number under the package's barcode)"),
                       render_kw={"inputmode": "numeric", "autocomplete": "off"},
                       validators=[Optional(), Length(max=20)])
    weight_g = IntegerField(_l("Shipping weight of one unit, packed (grams)"), render_kw={"inputmode": "numeric"},
                            validators=[Optional(), NumberRange(min=1, max=50_000, message=_l(
                                "Between 1 g and 50.000 g (the carrier's limit for a parcel)."))])
    length_cm = IntegerField(_l("Length (cm)"), validators=[Optional(), NumberRange(min=1, max=200)])
    width_cm = IntegerField(_l("Width (cm)"), validators=[Optional(), NumberRange(min=1, max=200)])
    height_cm = IntegerField(_l("Height (cm)"), validators=[Optional(), NumberRange(min=1, max=200)])


class ShippingProfileForm(AddressForm):
    """Where the carrier picks up the entity's parcels, and from what subtotal its shipping is free."""

    name = None  # the entity's name is the sender's
    free_over_vnd = VndField(_l("Free shipping from (đồng of goods)"),
                             render_kw={"inputmode": "numeric", "autocomplete": "off"},
                             validators=[Optional(), NumberRange(min=1000, max=99_999_999,
                                                                 message=_l("Between 1.000 ₫ and 99.999.999 ₫."))])


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
