"""Account forms; labels and messages are translated lazily."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

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


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = email_field()


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


class RoleForm(FlaskForm):
    """An administrator sets a user's role and scope."""

    role = SelectField(_l("Role"), choices=choices([
        ("customer", _l("Customer")), ("vendor", _l("Vendor")), ("showroom_staff", _l("Showroom staff")),
        ("officer", _l("Officer")), ("admin", _l("Administrator"))]))
    province = SelectField(_l("Province (officers; empty = national)"), validators=[Optional()])
    showroom = SelectField(_l("Showroom (showroom staff)"), validators=[Optional()])
    active = BooleanField(_l("Active"))
