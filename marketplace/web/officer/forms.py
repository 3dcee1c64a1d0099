"""Officers' forms: recognition decisions, revocations, corrections, registry uploads."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.core.forms import choices, import_file_field

GROUNDS = (
    ("a", _l("a) False or forged dossier")),
    ("b", _l("b) No longer meets the criteria (inspection conclusion)")),
    ("c", _l("c) Breach of quality, food-safety, environment, IP or labelling law")),
    ("d", _l("d) Misuse of the OCOP mark")),
    ("đ", _l("đ) The entity stopped producing the product")),
    ("e", _l("e) Other findings of a competent authority")),
)


class DecisionForm(FlaskForm):
    """A recognition decision: issue, renew or upgrade."""

    number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=120)])
    decision_number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=120)])
    decision_date = DateField(_l("Decision date"), validators=[DataRequired()])
    issuing_authority = StringField(_l("Issuing authority"), validators=[DataRequired(), Length(max=200)])
    stars = IntegerField(_l("Stars"), validators=[DataRequired(), NumberRange(min=3, max=5)])
    score = DecimalField(_l("Score (optional)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)])
    valid_from = DateField(_l("Valid from (default: decision date)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (default: 36 months later)"), validators=[Optional()])


class RevokeForm(FlaskForm):
    """Revocation on a ground of Điều 8."""

    ground = SelectField(_l("Ground (Điều 8)"), choices=choices(GROUNDS))
    text = TextAreaField(_l("Reason, as the decision states it"), validators=[DataRequired(), Length(max=2000)])
    revoked_on = DateField(_l("Revoked on"), validators=[DataRequired()])


class CorrectForm(FlaskForm):
    """A typo correction."""

    number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=120)])
    decision_number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=120)])
    decision_date = DateField(_l("Decision date"), validators=[DataRequired()])
    issuing_authority = StringField(_l("Issuing authority"), validators=[DataRequired(), Length(max=200)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])


class UploadForm(FlaskForm):
    """A registry file (CSV or XLSX, contract §2)."""

    file = import_file_field(_l("Registry file (CSV or XLSX)"))


class ApplicationDecisionForm(FlaskForm):
    """An officer's decision on an entity's application (the reason is required to reject)."""

    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=2000)])


class GtinForm(FlaskForm):
    """A product's GTIN (blank clears it)."""

    gtin = StringField(_l("GTIN (8, 12, 13 or 14 digits; blank to clear)"), validators=[Optional(), Length(max=20)])
