"""Vendor forms: a listing's price, stock, package and descriptions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


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
