"""Checkout form: contact, address and payment method, with Vietnamese phone validation."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Regexp

from marketplace.core.forms import choices

PAYMENT_CHOICES = (("cod", _l("Cash on delivery")), ("bank_transfer", _l("Bank transfer (VietQR)")),
                   ("card", _l("International card (Stripe)")))


class CheckoutForm(FlaskForm):
    """Where the order goes and how it is paid."""

    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the recipient's name.")), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[DataRequired(_l("Enter a phone number for the delivery.")), Regexp(
        r"^(\+84|0)(3|5|7|8|9)\d{8}$", message=_l("Enter a Vietnamese mobile number, e.g. 0912345678."))])
    province = SelectField(_l("Province"))
    ward = StringField(_l("Commune / ward"), validators=[DataRequired(_l("Enter the commune or ward.")),
                                                        Length(max=120)])
    address = TextAreaField(_l("Street address"), validators=[DataRequired(_l("Enter the street address.")),
                                                              Length(max=500)])
    payment_method = RadioField(_l("Payment"), choices=choices(PAYMENT_CHOICES), default="cod")
    #: One token per checkout page: the same form submitted twice (a double tap) lands on the same order.
    submission = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[Length(max=64)])
