"""When is a certificate valid? Contract §7, written once for Python and once for SQL.

A certificate is valid on day D when ``valid_from <= D <= valid_until``, its status is active, and no
newer certificate of the same product has taken over (``superseded_on`` is unset or after D).
``tests/unit/test_rules.py`` proves that the two forms agree on every edge.
"""

from sqlalchemy import and_, or_

from marketplace.registry.models import Certificate

VALID, EXPIRED, REVOKED, SUPERSEDED, NOT_YET_VALID = "valid", "expired", "revoked", "superseded", "not_yet_valid"


def certificate_status(certificate, day):
    """The certificate's status on ``day``: valid, revoked, superseded, not_yet_valid or expired."""
    if certificate.status == "revoked":
        return REVOKED
    if certificate.superseded_on is not None and certificate.superseded_on <= day:
        return SUPERSEDED
    if day < certificate.valid_from:
        return NOT_YET_VALID
    if day > certificate.valid_until:
        return EXPIRED
    return VALID


def valid_on(day):
    """SQL condition on :class:`Certificate`: valid on ``day`` (the same rule as ``certificate_status``)."""
    return and_(
        Certificate.status == "active",
        Certificate.valid_from <= day,
        Certificate.valid_until >= day,
        or_(Certificate.superseded_on.is_(None), Certificate.superseded_on > day),
    )


def explaining_certificate(certificates, day):
    """The certificate valid on ``day``, else the most recent one (which explains why none is valid)."""
    valid = [c for c in certificates if certificate_status(c, day) == VALID]
    if valid:
        return valid[0]
    return max(certificates, key=lambda c: (c.valid_from, c.id), default=None)
