"""Officers' operations on certificates, as explicit transitions with typed errors and audit entries.

issue → (renew | upgrade: a newer certificate supersedes the older on its start day) → revoke; ``correct``
fixes a typo without changing what the certificate grants. Vendors never reach these functions.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.core.dates import add_months
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.codes import new_code
from marketplace.registry.models import REVOCATION_GROUNDS, SCORE_BANDS, Certificate
from marketplace.registry.services import resequence

FIELDS = ("number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars", "score",
          "valid_from", "valid_until", "status", "revoked_on", "revocation_reason")
CORRECTABLE = ("number", "decision_number", "decision_date", "issuing_authority", "score", "valid_from",
               "valid_until")


class TransitionError(Refused):
    """A refused certificate operation; ``message`` says why, in the officer's language."""


@dataclass
class Decision:
    """What a recognition decision says (the fields an officer types)."""

    number: str
    decision_number: str
    decision_date: date
    issuing_authority: str
    stars: int
    score: float | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def may_certify(officer, province_code, stars):
    """Province officers certify 3–4★ of their province; national officers 5★ (and any province); admins all."""
    if officer.role == "admin":
        return True
    if officer.role != "officer":
        return False
    if officer.province_code is None:
        return True
    return officer.province_code == province_code and stars in (3, 4)


def _check(officer, product, decision):
    if not may_certify(officer, product.province_code, decision.stars):
        raise TransitionError(_("Your office cannot certify %(stars)d stars for this province.", stars=decision.stars))
    if decision.stars not in (3, 4, 5):
        raise TransitionError(_("Only 3, 4 and 5 stars are certified."))
    if decision.score is not None:
        low, high = SCORE_BANDS[decision.stars]
        if not (low <= decision.score < high or (decision.stars == 5 and decision.score == 100)):
            raise TransitionError(_("A score of %(score)s does not match %(stars)d stars.", score=decision.score,
                                    stars=decision.stars))
    if db.session.scalar(select(Certificate.id).where(Certificate.number == decision.number.strip())):
        raise TransitionError(_("Certificate number %(number)s is already in the registry.", number=decision.number))
    valid_from = decision.valid_from or decision.decision_date
    valid_until = decision.valid_until or add_months(valid_from, 36)
    if valid_until < valid_from:
        raise TransitionError(_("The validity ends before it starts."))
    return valid_from, valid_until


def _create(officer, product, decision, action):
    valid_from, valid_until = _check(officer, product, decision)
    siblings = db.session.scalars(select(Certificate).where(Certificate.product_id == product.id)).all()
    if any(c.valid_from == valid_from for c in siblings):
        raise TransitionError(_("This product already has a certificate starting on that day."))
    taken = set(db.session.scalars(select(Certificate.code)))
    certificate = Certificate(
        code=new_code(taken), number=decision.number.strip(), product_id=product.id,
        decision_number=decision.decision_number.strip(), decision_date=decision.decision_date,
        issuing_authority=decision.issuing_authority.strip(),
        issuing_level="ministry" if decision.stars == 5 else "province", stars=decision.stars,
        score=decision.score, valid_from=valid_from, valid_until=valid_until, status="active",
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(None, action, certificate, None, snapshot(certificate, FIELDS), province_code=product.province_code)
    for before, older in resequence([*siblings, certificate]):
        audit.record(None, "certificate.superseded", older, before,
                     {"superseded_by": older.superseded_by_id, "superseded_on": str(older.superseded_on)},
                     province_code=product.province_code)
    return certificate


def issue(officer, product, decision):
    """A first certificate (or a new one after a lapse or a revocation)."""
    return _create(officer, product, decision, "certificate.issued")


def renew(officer, certificate, product, decision):
    """A re-evaluation at expiry: same stars, a new certificate that takes over from the old one."""
    if certificate.status == "revoked":
        raise TransitionError(_("A revoked certificate cannot be renewed: the product needs a new evaluation."))
    if decision.stars != certificate.stars:
        raise TransitionError(_("A renewal keeps the stars; use an upgrade to change them."))
    return _create(officer, product, decision, "certificate.renewed")


def upgrade(officer, certificate, product, decision):
    """Nâng hạng: a certificate with more stars supersedes the current one."""
    if certificate.status == "revoked":
        raise TransitionError(_("A revoked certificate cannot be upgraded."))
    if decision.stars <= certificate.stars:
        raise TransitionError(_("An upgrade must give more stars than the %(stars)d of the current certificate.",
                                stars=certificate.stars))
    return _create(officer, product, decision, "certificate.upgraded")


def revoke(officer, certificate, product, ground, text, revoked_on):
    """Thu hồi on one of the grounds of Điều 8 (a, b, c, d, đ, e), from ``revoked_on``."""
    if not may_certify(officer, product.province_code, certificate.stars):
        raise TransitionError(_("Your office cannot revoke this certificate."))
    if certificate.status == "revoked":
        raise TransitionError(_("This certificate is already revoked."))
    if ground not in REVOCATION_GROUNDS:
        raise TransitionError(_("Choose the ground of revocation (Điều 8)."))
    if not (text or "").strip():
        raise TransitionError(_("Explain the revocation: the public verification page shows it."))
    if revoked_on < certificate.valid_from:
        raise TransitionError(_("The revocation date is before the certificate's validity."))
    before, after = apply_changes(certificate, {"status": "revoked", "revoked_on": revoked_on,
                                                "revocation_reason": f"{ground}) {text.strip()}"})
    audit.record(None, "certificate.revoked", certificate, before, after, province_code=product.province_code)
    return certificate


def correct(officer, certificate, product, **values):
    """Fix a typo (number, decision, dates, authority, score) with an audit entry; stars and status stay."""
    if not may_certify(officer, product.province_code, certificate.stars):
        raise TransitionError(_("Your office cannot correct this certificate."))
    unknown = set(values) - set(CORRECTABLE)
    if unknown:
        raise TransitionError(_("These fields cannot be corrected: %(fields)s.", fields=", ".join(sorted(unknown))))
    number = (values.get("number") or certificate.number).strip()
    if number != certificate.number and db.session.scalar(select(Certificate.id).where(Certificate.number == number)):
        raise TransitionError(_("Certificate number %(number)s is already in the registry.", number=number))
    values["number"] = number
    valid_from, valid_until = values.get("valid_from", certificate.valid_from), values.get("valid_until",
                                                                                         certificate.valid_until)
    if valid_until < valid_from:
        raise TransitionError(_("The validity ends before it starts."))
    before, after = apply_changes(certificate, values)
    if after:
        audit.record(None, "certificate.corrected", certificate, before, after, province_code=product.province_code)
        siblings = db.session.scalars(select(Certificate).where(Certificate.product_id == product.id)).all()
        resequence(siblings)
    return certificate
