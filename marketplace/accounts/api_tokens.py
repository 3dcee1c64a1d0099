"""API tokens for vendors: one entity's key to the ``/api/v1/vendor`` endpoints (its orders, its listings).

A token is ``ocop_`` followed by 43 random URL-safe characters (256 bits); it is shown once, when it is made, and
only its SHA-256 is kept, with its first characters (``prefix``) so its owners can tell tokens apart. A token
carries scopes (``orders:read``, ``listings:write``), belongs to one entity, and works until it is revoked.
It lives with the accounts because it is a credential of the entity's members, like their passwords.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import Refused
from marketplace.extensions import db

PREFIX = "ocop_"
#: What a token may do: read the entity's orders; change its listings' price and stock.
SCOPES = ("orders:read", "listings:write")
#: Characters of a token kept in clear (``ocop_`` and 8 random ones), shown in lists and the audit log.
VISIBLE = len(PREFIX) + 8
#: Tokens an entity may have in use at once.
MAX_ACTIVE = 20
#: ``last_used_at`` is written at most this often per token (a busy client does not write on every request).
TOUCH_EVERY = timedelta(minutes=1)


class ApiToken(db.Model):
    """A bearer token of one entity, with its scopes; kept as a hash, revoked by setting ``revoked_at``."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))  #: what the owner calls it, e.g. "Website sync"
    prefix: Mapped[str] = mapped_column(String(20))  #: ``ocop_`` and the next 8 characters, shown to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  #: SHA-256 (hex) of the whole token
    scopes: Mapped[str] = mapped_column(String(120))  #: space-separated, from :data:`SCOPES`
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def scope_list(self):
        """The scopes as a list, in :data:`SCOPES` order."""
        held = set(self.scopes.split())
        return [scope for scope in SCOPES if scope in held]

    @property
    def actor(self):
        """How the audit log names this token."""
        return f"api_token:{self.id} {self.prefix}… {self.name}"[:254]

    def allows(self, scope):
        """True when the token carries ``scope``."""
        return scope in self.scopes.split()


def digest(raw):
    """SHA-256 (hex) of a presented token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def tokens_of(entity_id):
    """The entity's tokens, those in use first, newest first."""
    return db.session.scalars(select(ApiToken).where(ApiToken.entity_id == entity_id)
                              .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()


def create(entity, name, scopes, user):
    """Make a token for ``entity``; returns ``(token, secret)``: the secret is shown once and never kept."""
    name = " ".join((name or "").split())[:80]
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    if not name:
        raise Refused(_("Give the token a name, e.g. the shop or channel that will use it."))
    if not chosen:
        raise Refused(_("Choose at least one permission."))
    active = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.entity_id == entity.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE:
        raise Refused(_("Revoke a token first: an entity may have %(count)d tokens in use.", count=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(entity_id=entity.id, name=name, prefix=secret[:VISIBLE], token_hash=digest(secret),
                     scopes=" ".join(chosen), created_by_id=user.id)
    db.session.add(token)
    db.session.flush()
    audit.record(None, "api_token.created", token, None, {"name": name, "prefix": token.prefix, "scopes": chosen},
                 province_code=entity.province_code)
    return token, secret


def revoke(entity, token):
    """Stop a token working (kept, marked revoked, for the record)."""
    if token.revoked_at is not None:
        raise Refused(_("This token was already revoked."))
    token.revoked_at = utcnow()
    audit.record(None, "api_token.revoked", token, {"name": token.name, "prefix": token.prefix}, None,
                 province_code=entity.province_code)
    db.session.flush()


def authenticate(raw):
    """The token in use whose secret is ``raw``, its last use noted; None for anything else."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw),
                                                     ApiToken.revoked_at.is_(None)))
    if token is not None:
        last = token.last_used_at
        if last is None or (last if last.tzinfo else last.replace(tzinfo=UTC)) < utcnow() - TOUCH_EVERY:
            token.last_used_at = utcnow()
    return token
