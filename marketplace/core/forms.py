"""Form helpers every area shares: select options, e-mail and password fields, an import-file field."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length


def choices(pairs):
    """WTForms select options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def email_field():
    """A required e-mail field."""
    return EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                Email(_l("Enter a valid e-mail address."), check_deliverability=False),
                                                Length(max=254)])


def new_password_field(label):
    """A new-password field (strength is checked by the service)."""
    return PasswordField(label, validators=[DataRequired(_l("Choose a password.")),
                                            Length(min=10, max=200, message=_l("Use at least 10 characters."))])


def import_file_field(label):
    """A required CSV or XLSX file (registry and listing imports)."""
    allowed = FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))
    return FileField(label, validators=[FileRequired(), allowed])
