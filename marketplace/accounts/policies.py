"""The shop's policy pages (returns, delivery, complaints, privacy, who we are), in versions administrators write.

Not authorisation (that is ``access/policy.py``): these are the texts a marketplace must publish (Decree
52/2013/NĐ-CP as amended by Decree 85/2021/NĐ-CP). Each save adds a version; no version is changed or deleted.
Until an administrator saves one, a policy is its built-in text, version 1: the Markdown that
``templates/policies/defaults/<slug>.html`` writes with the catalogue's sentences, so it reads in the visitor's
language out of the box. Bodies may say ``{email}`` (the operator's address) and ``{return_days}`` (the setting
``RETURN_WINDOW_DAYS``), filled in when shown.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.accounts.models import User
from marketplace.core import audit, generation
from marketplace.core.clock import TIMEZONE
from marketplace.core.db import utcnow
from marketplace.core.errors import Refused
from marketplace.core.rendering import ALLOWED_TAGS, render_markdown
from marketplace.extensions import db

SLUGS = ("returns", "delivery", "complaints", "privacy", "operator")  #: in the order pages and the footer list them
TITLES = {"operator": _l("About us and contact"), "returns": _l("Returns and refunds"), "delivery": _l("Delivery"),
          "complaints": _l("Complaints"), "privacy": _l("Privacy and personal data")}
LANGUAGES = ("vi", "en")
BUILT_IN_VERSION = 1
#: When the built-in texts were last revised: change it with ``templates/policies/defaults/``.
BUILT_IN_DATE = date(2026, 12, 13)
PLACEHOLDERS = re.compile(r"\{(email|return_days)\}")
#: A policy may have section headings (``##``) besides what vendors' descriptions may use.
POLICY_TAGS = ALLOWED_TAGS | {"h2"}
TITLE_MAX, BODY_MAX = 200, 20_000


class Policy(db.Model):
    """One saved version of a policy page; the highest version of a slug is in force. Rows are never changed."""

    __tablename__ = "policy"
    __table_args__ = (
        UniqueConstraint("slug", "version", name="uq_policy_version"),
        CheckConstraint(f"slug IN {SLUGS}", name="slug"),
        CheckConstraint(f"version > {BUILT_IN_VERSION}", name="version_after_built_in"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(20))
    #: 2, 3, …: version 1 is the built-in text.
    version: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: Markdown, rendered through the sanitiser (``core/rendering.py``).
    body_vi: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


generation.watch(Policy)  # every page's footer and the policy pages show the version in force


@dataclass(frozen=True)
class PolicyText:
    """A version of a policy as pages show it: a saved one, or the built-in text (``updated_by`` None)."""

    slug: str
    version: int
    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    updated_on: date
    updated_by: str | None = None
    built_in: bool = False


def _vietnam_date(moment):
    """The date in Vietnam of a stored time (SQLite gives it back without a zone: it is UTC)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE).date()


def _from_row(row, updated_by=None):
    return PolicyText(row.slug, row.version, row.title_vi, row.title_en, row.body_vi, row.body_en,
                      _vietnam_date(row.updated_at), updated_by)


def built_in(slug):
    """Version 1 of ``slug``: the built-in text in both languages."""
    texts = {}
    for language in LANGUAGES:
        with force_locale(language):
            texts[language] = (str(TITLES[slug]), render_template(f"policies/defaults/{slug}.html").strip() + "\n")
    return PolicyText(slug, BUILT_IN_VERSION, texts["vi"][0], texts["en"][0], texts["vi"][1], texts["en"][1],
                      BUILT_IN_DATE, built_in=True)


def current(slug):
    """The version of ``slug`` in force (one query)."""
    row = db.session.scalar(select(Policy).where(Policy.slug == slug).order_by(Policy.version.desc()).limit(1))
    return built_in(slug) if row is None else _from_row(row)


def current_version(slug):
    """The number of the version of ``slug`` in force (1 while the built-in text is)."""
    return db.session.scalar(select(func.max(Policy.version)).where(Policy.slug == slug)) or BUILT_IN_VERSION


def current_dates():
    """``{slug: date}`` of every policy's version in force (one query)."""
    saved = dict(db.session.execute(select(Policy.slug, func.max(Policy.updated_at)).group_by(Policy.slug)).all())
    return {slug: _vietnam_date(saved[slug]) if slug in saved else BUILT_IN_DATE for slug in SLUGS}


def history(slug):
    """Every version of ``slug``, newest first, the built-in text last (one query)."""
    rows = db.session.execute(select(Policy, User.email).outerjoin(User, User.id == Policy.updated_by_id)
                              .where(Policy.slug == slug).order_by(Policy.version.desc())).all()
    return [_from_row(row, email) for row, email in rows] + [built_in(slug)]


def version_of(slug, number):
    """Version ``number`` of ``slug``, or None when there is no such version."""
    if number == BUILT_IN_VERSION:
        return built_in(slug)
    row = db.session.execute(select(Policy, User.email).outerjoin(User, User.id == Policy.updated_by_id)
                             .where(Policy.slug == slug, Policy.version == number)).first()
    return None if row is None else _from_row(*row)


def _clean(text):
    """NFC, Windows line ends made plain, surrounding blank space dropped."""
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()


def save(slug, user, base_version, **texts):
    """Add version ``base_version + 1`` of ``slug`` with ``title_vi/title_en/body_vi/body_en``; flushes.

    Refused when another version was saved since ``base_version`` was read, or when nothing changed.
    """
    now_in_force = current(slug)
    if base_version != now_in_force.version:
        raise Refused(_("Someone saved version %(version)d of this policy meanwhile: read it, then make your "
                        "changes again.", version=now_in_force.version))
    values = {key: _clean(texts[key]) for key in ("title_vi", "title_en", "body_vi", "body_en")}
    if all(values[key] == _clean(getattr(now_in_force, key)) for key in values):
        raise Refused(_("Nothing changed: version %(version)d stays in force.", version=now_in_force.version))
    row = Policy(slug=slug, version=now_in_force.version + 1, updated_by_id=user.id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Refused(_("Someone saved a new version of this policy at the same moment: read it, then make your "
                        "changes again.")) from None
    audit.record(user.email, "policy.updated", row, {"version": now_in_force.version}, {"version": row.version})
    return row


def operator_email():
    """Where buyers write to the operator: ``OPERATOR_EMAIL``, else ``hotro@`` the public host."""
    config = current_app.config
    host = urlsplit(config.get("PUBLIC_URL") or "").hostname or "localhost"
    return config.get("OPERATOR_EMAIL") or f"hotro@{host}"


def fill(text):
    """``text`` with ``{email}`` and ``{return_days}`` replaced by the settings' values."""
    values = {"email": operator_email(), "return_days": str(current_app.config.get("RETURN_WINDOW_DAYS", 7))}
    return PLACEHOLDERS.sub(lambda match: values[match.group(1)], text or "")


def render(text):
    """A policy body as safe HTML: placeholders filled, Markdown rendered, then sanitised."""
    return render_markdown(fill(text), tags=POLICY_TAGS)
