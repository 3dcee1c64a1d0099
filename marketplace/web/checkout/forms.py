"""Checkout form: the shared delivery address (a ward of the official list), the buyer's e-mail and the payment."""

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField
from wtforms.validators import DataRequired, Email, Length

from marketplace.accounts.forms import AddressForm
from marketplace.core.forms import choices

PAYMENT_CHOICES = (("cod", _l("Cash on delivery")), ("bank_transfer", _l("Bank transfer (VietQR)")),
                   ("vnpay", _l("VNPay: bank app QR, ATM or card")), ("momo", _l("MoMo e-wallet")),
                   ("card", _l("International card (Stripe)")))


class CheckoutForm(AddressForm):
    """Where the order goes (``AddressForm``: name, phone, province, ward, address) and how it is paid."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    payment_method = RadioField(_l("Payment"), choices=choices(PAYMENT_CHOICES), default="cod")
    save_address = BooleanField(_l("Save this address in my account"))
    #: One token per checkout page: the same form submitted twice (a double tap) lands on the same order.
    submission = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[Length(max=64)])
    #: The shipping total the page showed (đồng): a different one at placing (another ward chosen without the page
    #: being updated, a carrier's new price) shows the page again instead of charging an unseen fee.
    quoted = HiddenField(validators=[Length(max=12)])
