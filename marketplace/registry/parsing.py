"""Parsing and validating one row of a certificate registry file (contract §2)."""

import re
from dataclasses import dataclass
from datetime import date

from marketplace.core.dates import add_months, parse_date
from marketplace.core.tabular import text
from marketplace.core.text import fold_words, name_key
from marketplace.reference.lookup import criteria_sets, resolve_province, unknown_province_reason
from marketplace.registry.models import SCORE_BANDS

REQUIRED_COLUMNS = (
    "certificate_number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars",
    "product_name", "product_group", "entity_name", "entity_type", "province",
)
DISTRICT_LEVEL_ABOLISHED = date(2025, 7, 1)
VALIDITY_MONTHS = 36

ISSUING_LEVEL_ALIASES = {
    "province": "province", "tinh": "province", "ubnd tinh": "province", "cap tinh": "province",
    "ministry": "ministry", "bo": "ministry", "trung uong": "ministry", "quoc gia": "ministry",
    "district": "district", "huyen": "district", "ubnd huyen": "district", "cap huyen": "district",
}
ENTITY_TYPE_ALIASES = {
    "cooperative": "cooperative", "hop tac xa": "cooperative", "htx": "cooperative",
    "cooperative group": "cooperative_group", "to hop tac": "cooperative_group", "tht": "cooperative_group",
    "enterprise": "enterprise", "doanh nghiep": "enterprise", "cong ty": "enterprise",
    "household business": "household_business", "ho kinh doanh": "household_business",
    "ho san xuat": "household_business", "co so san xuat": "household_business", "co so": "household_business",
    "trang trai": "household_business", "doanh nghiep tu nhan": "enterprise", "cong ty tnhh": "enterprise",
}
GENDER_ALIASES = {"": None, "female": "female", "f": "female", "nu": "female", "male": "male", "m": "male",
                  "nam": "male"}
STATUS_ALIASES = {
    "active": "active", "": "active", "valid": "active", "hieu luc": "active", "con hieu luc": "active",
    "revoked": "revoked", "thu hoi": "revoked", "bi thu hoi": "revoked",
}
_STARS = re.compile(r"^\s*(\d)(?:[.,]0+)?\s*(?:sao|stars?|★)?\s*$", re.IGNORECASE)


@dataclass
class RegistryRow:
    """A validated registry row, ready to be written."""

    line: int
    number: str
    decision_number: str
    decision_date: date
    issuing_authority: str
    issuing_level: str
    stars: int
    score: float | None
    product_name: str
    product_group: str
    entity_name: str
    entity_type: str
    tax_code: str | None
    province_code: str
    address: str | None
    valid_from: date
    valid_until: date
    status: str
    revoked_on: date | None
    revocation_reason: str | None
    representative_gender: str | None = None
    representative_ethnicity: str | None = None

    @property
    def entity_key(self):
        """How the file identifies the entity: its tax code, else its name within its province."""
        return ("tax", self.tax_code) if self.tax_code else ("name", name_key(self.entity_name), self.province_code)

    @property
    def product_key(self):
        """How the file identifies the product: (entity, product name)."""
        return (self.entity_key, name_key(self.product_name))


class _Row:
    """Field-by-field parser that records errors instead of raising."""

    def __init__(self, line, cells, errors):
        self.line, self.cells, self.errors = line, cells, errors

    def fail(self, column, reason):
        self.errors.add(self.line, column, reason)

    def required(self, column):
        value = text(self.cells, column)
        if not value:
            self.fail(column, "is required")
        return value

    def date(self, column, required=False):
        raw = self.cells.get(column)
        if raw in (None, ""):
            if required:
                self.fail(column, "is required")
            return None
        try:
            return parse_date(raw)
        except (TypeError, ValueError):
            self.fail(column, f"'{raw}' is not a date (YYYY-MM-DD)")
            return None

    def choice(self, column, aliases, allowed, prefix=False):
        raw = text(self.cells, column)
        folded = fold_words(raw).replace("_", " ")
        value = aliases.get(folded)
        if value is None and prefix and folded:
            value = next((v for key, v in aliases.items() if key and folded.startswith(key + " ")), None)
        if value is None:
            self.fail(column, f"'{raw}' is not one of {', '.join(allowed)}" if raw else "is required")
        return value

    def stars(self):
        raw = text(self.cells, "stars")
        if raw and set(raw) == {"★"}:
            raw = str(len(raw))
        match = _STARS.match(raw)
        if not match:
            self.fail("stars", f"'{raw}' is not a star rating 3, 4 or 5" if raw else "is required")
            return None
        stars = int(match.group(1))
        if stars in (1, 2):
            self.fail("stars", f"{stars} stars get no OCOP certificate (3 to 5 only)")
        elif stars not in (3, 4, 5):
            self.fail("stars", f"'{raw}' is not a star rating 3, 4 or 5")
        return stars if stars in (3, 4, 5) else None

    def score(self, stars):
        raw = text(self.cells, "score")
        if not raw:
            return None
        try:
            score = float(raw.replace(",", "."))
        except ValueError:
            self.fail("score", f"'{raw}' is not a number")
            return None
        if not 0 <= score <= 100:
            self.fail("score", f"{raw} is outside 0-100")
        elif stars in SCORE_BANDS:
            low, high = SCORE_BANDS[stars]
            if not (low <= score < high or (stars == 5 and score == 100)):
                self.fail("score", f"{raw} is outside the {stars}-star band ({low} to under {high})")
        return score

    def group(self):
        raw = text(self.cells, "product_group")
        code = raw.zfill(2) if raw.isdigit() else raw
        if code not in criteria_sets():
            self.fail("product_group", f"'{raw}' is not a criteria-set code 01-26" if raw else "is required")
            return None
        return code

    def province(self):
        raw = text(self.cells, "province")
        province = resolve_province(raw) if raw else None
        if province is None:
            self.fail("province", unknown_province_reason(raw) if raw else "is required")
        return province.code if province else None


def parse_registry_row(line, cells, errors):
    """Validate one row; return a :class:`RegistryRow`, or None when it has errors (recorded in ``errors``)."""
    before = len(errors.items)
    row = _Row(line, cells, errors)
    number = row.required("certificate_number")
    decision_number = row.required("decision_number")
    decision_date = row.date("decision_date", required=True)
    authority = row.required("issuing_authority")
    level = row.choice("issuing_level", ISSUING_LEVEL_ALIASES, ("province", "ministry", "district"))
    stars = row.stars()
    score = row.score(stars)
    product_name = row.required("product_name")
    group = row.group()
    entity_name = row.required("entity_name")
    entity_type = row.choice("entity_type", ENTITY_TYPE_ALIASES,
                             ("cooperative", "cooperative_group", "enterprise", "household_business"), prefix=True)
    province_code = row.province()
    valid_from = row.date("valid_from") or decision_date
    valid_until = row.date("valid_until") or (add_months(valid_from, VALIDITY_MONTHS) if valid_from else None)
    status = row.choice("status", STATUS_ALIASES, ("active", "revoked"))
    revoked_on = row.date("revoked_on")
    reason = text(cells, "revocation_reason") or None
    gender_raw = text(cells, "representative_gender")
    gender = GENDER_ALIASES.get(fold_words(gender_raw), "invalid")
    if gender == "invalid":
        row.fail("representative_gender", f"'{gender_raw}' is not female or male")
    if level == "district" and decision_date and decision_date >= DISTRICT_LEVEL_ABOLISHED:
        row.fail("issuing_level", "the district level was abolished on 1 July 2025")
    if level == "ministry" and stars in (3, 4):
        row.fail("issuing_level", "the ministry certifies 5 stars only; 3 and 4 stars are provincial")
    if level in ("province", "district") and stars == 5:
        row.fail("issuing_level", "5 stars are certified by the ministry, not a province or district")
    if valid_from and valid_until and valid_until < valid_from:
        row.fail("valid_until", "is before valid_from")
    if status == "revoked":
        if revoked_on is None and not cells.get("revoked_on"):
            row.fail("revoked_on", "is required when status is revoked")
        if not reason:
            row.fail("revocation_reason", "is required when status is revoked")
        if revoked_on and valid_from and revoked_on < valid_from:
            row.fail("revoked_on", "is before valid_from")
    elif status == "active" and (revoked_on or reason):
        row.fail("status", "is active but the row has a revocation date or reason")
    if len(errors.items) > before:
        return None
    return RegistryRow(
        line=line, number=number, decision_number=decision_number, decision_date=decision_date,
        issuing_authority=authority, issuing_level=level, stars=stars, score=score, product_name=product_name,
        product_group=group, entity_name=entity_name, entity_type=entity_type,
        tax_code=text(cells, "entity_tax_code") or None, province_code=province_code,
        address=text(cells, "address") or None, valid_from=valid_from, valid_until=valid_until, status=status,
        revoked_on=revoked_on if status == "revoked" else None,
        revocation_reason=reason if status == "revoked" else None,
        representative_gender=gender, representative_ethnicity=text(cells, "representative_ethnicity") or None,
    )
