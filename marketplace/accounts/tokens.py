"""Signed, expiring tokens for e-mail links (verification, password reset, sign-in) and random invitation tokens."""

import hashlib
import secrets
from datetime import UTC

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY_SALT, RESET_SALT, SIGN_IN_SALT = "email-verify", "password-reset", "sign-in-link"
VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
SIGN_IN_MAX_AGE = 15 * 60


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_verify_token(user):
    """Token proving ownership of the user's current e-mail address."""
    return _serializer(VERIFY_SALT).dumps({"uid": user.id, "email": user.email})


def make_reset_token(user):
    """Password-reset token; it stops working once the password (session version) changes."""
    return _serializer(RESET_SALT).dumps({"uid": user.id, "v": user.session_version})


def make_sign_in_token(user):
    """Sign-in link token; it stops working once the account signs in (any way) or its session version changes."""
    return _serializer(SIGN_IN_SALT).dumps({"uid": user.id, "v": user.session_version, "at": last_sign_in(user)})


def last_sign_in(user):
    """The account's last sign-in as a stable text (UTC, to the microsecond), or "" before the first one.

    SQLite gives back naive datetimes and PostgreSQL the session's time zone: both are read as the same instant.
    """
    at = user.last_login_at
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def read_token(token, salt, max_age):
    """The token's payload, or None when it is forged, altered or expired."""
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def new_invitation_token():
    """A random invitation token and the SHA-256 hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token):
    """SHA-256 hex digest of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
