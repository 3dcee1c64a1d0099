"""Account forms; labels and messages are translated lazily."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from marketplace.accounts.forms import AddressForm
from marketplace.core.forms import choices, email_field, new_password_field

LANGUAGE_CHOICES = (("vi", "Tiếng Việt"), ("en", "English"))


class LoginForm(FlaskForm):
    """Sign in."""

    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(FlaskForm):
    """Customer self-registration."""

    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = email_field()
    password = new_password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat the password"), validators=[EqualTo("password", _l("The passwords differ."))])
    preferred_locale = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES), default="vi")
    #: Consent to marketing mail: unticked unless the person ticks it (accounts/consent.py).
    marketing = BooleanField(_l("Send me news and offers from OCOP Market by e-mail"), default=False)


class MarketingConsentForm(FlaskForm):
    """Give or withdraw consent to marketing mail from the account page."""

    marketing = BooleanField(_l("Send me news and offers from OCOP Market by e-mail"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = email_field()


class SignInLinkForm(FlaskForm):
    """Ask for a single-use sign-in link by e-mail."""

    email = email_field()


class UseSignInLinkForm(FlaskForm):
    """Confirm a sign-in link (a button: opening the mail, or a mail scanner, signs nobody in)."""


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = new_password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[EqualTo("password", _l("The passwords differ."))])


class ChangePasswordForm(ResetPasswordForm):
    """Change the password while signed in."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])


class ProfileForm(FlaskForm):
    """Name and language."""

    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    preferred_locale = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES))


class DeleteAccountForm(FlaskForm):
    """Confirm account deletion with the password."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class SavedAddressForm(AddressForm):
    """A delivery address kept in the account: the checkout's address fields, and whether it is the default."""

    is_default = BooleanField(_l("Use as my default address"))
