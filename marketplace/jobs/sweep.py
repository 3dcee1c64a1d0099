"""The daily sweep: expiry reminders, notices to showrooms, and the search index for what changed.

Idempotent and safe to run twice at once: every reminder and notice is first claimed by inserting a row with a
unique key (``INSERT ... ON CONFLICT DO NOTHING``); only the run that claimed it sends the mail. The claim and its
mail jobs commit together, so a claimed reminder is never left unsent, nor sent twice.
The job queue runs it at 00:05 in Vietnam (``jobs/queue.py``); without a queue, cron (Asia/Ho_Chi_Minh):
``5 0 * * * cd /srv/ocop && .venv/bin/flask --app marketplace certificates sweep``.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import search
from marketplace.accounts.models import User, VendorMembership
from marketplace.accounts.services import send_in_locale
from marketplace.extensions import db
from marketplace.registry.models import REMINDER_DAYS, Certificate, CertificateReminder, Product
from marketplace.registry.rules import EXPIRED, REVOKED, certificate_status, explaining_certificate, valid_on
from marketplace.showrooms.models import Placement, Showroom, ShowroomNotice


@dataclass
class SweepReport:
    """What one run did."""

    reminders: int = 0
    notices: int = 0
    reindexed: int = 0
    details: list = field(default_factory=list)

    def summary(self):
        """One line for the log and the terminal."""
        return f"reminders sent: {self.reminders}, showroom notices: {self.notices}, index refreshed: {self.reindexed}"


def claim(model, **values):
    """Insert a row unless its unique key exists; True when this call inserted it (and must act, then commit).

    A concurrent run's insert of the same key waits for this transaction: once it commits, that run finds the row.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(statement).first() is not None


def reminder_stage(days_left):
    """The reminder due when ``days_left`` days remain (180, 120, 30 or 0), or None."""
    due = [days for days in REMINDER_DAYS if days_left <= days]
    return min(due) if due and days_left >= 0 else None


def members(entity_id):
    """The vendor accounts of an entity (owners first)."""
    return db.session.scalars(select(User).join(VendorMembership, VendorMembership.user_id == User.id)
                              .where(VendorMembership.entity_id == entity_id, User.active.is_(True))
                              .order_by(VendorMembership.role.desc())).all()


def send_reminders(day, report):
    """Remind each entity once per stage (180, 120, 30, 0 days) before a valid certificate expires."""
    horizon = day + timedelta(days=max(REMINDER_DAYS))
    rows = db.session.execute(select(Certificate, Product).join(Product, Product.id == Certificate.product_id)
                              .where(valid_on(day), Certificate.valid_until <= horizon)).all()
    for certificate, product in rows:
        days_left = (certificate.valid_until - day).days
        stage = reminder_stage(days_left)
        if stage is None or not claim(CertificateReminder, certificate_id=certificate.id, days_before=stage,
                                      sent_on=day):
            continue
        report.reminders += 1
        for user in members(product.entity_id):
            remind(user, certificate, product, days_left)
        db.session.commit()  # the claim and its mail jobs together


def remind(user, certificate, product, days_left):
    """The expiry reminder e-mail, in the user's language."""
    send_in_locale(user, lambda: _("OCOP certificate of %(product)s: expiry reminder", product=product.name),
                   lambda: _("The OCOP certificate %(number)s of %(product)s expires on %(date)s (in %(days)d days). "
                             "File the re-evaluation dossier with your commune 180 to 120 days before expiry; after "
                             "expiry the product is hidden from the storefront.", number=certificate.number,
                             product=product.name, date=format_date(certificate.valid_until, "long"),
                             days=days_left))


def notify_showrooms(day, report):
    """Tell each showroom once when a product on its shelf lost its certificate (expired or revoked)."""
    rows = db.session.execute(select(Product, Showroom).join(Placement, Placement.product_id == Product.id)
                              .join(Showroom, Showroom.id == Placement.showroom_id)
                              .where(Placement.status.in_(("accepted", "displayed")))).all()
    certificates = {}
    product_ids = [product.id for product, _showroom in rows]
    for certificate in db.session.scalars(select(Certificate).where(Certificate.product_id.in_(product_ids))):
        certificates.setdefault(certificate.product_id, []).append(certificate)
    for product, showroom in rows:
        certificate = explaining_certificate(certificates.get(product.id, []), day)
        status = certificate_status(certificate, day) if certificate else None
        if status not in (EXPIRED, REVOKED):
            continue
        if not claim(ShowroomNotice, showroom_id=showroom.id, certificate_id=certificate.id, kind=status, sent_on=day):
            continue
        report.notices += 1
        report.details.append(f"{showroom.name}: {product.name} ({status})")
        for user in db.session.scalars(select(User).where(User.showroom_id == showroom.id, User.active.is_(True))):
            warn_showroom(user, certificate, product, status)
        db.session.commit()  # the claim and its mail jobs together


def warn_showroom(user, certificate, product, status):
    """The notice to a showroom's staff, in their language."""
    send_in_locale(user, lambda: _("Remove %(product)s from the shelf", product=product.name),
                   lambda: _("The OCOP certificate %(number)s of %(product)s is no longer valid (%(status)s). Only "
                             "products with a valid certificate may stand on an OCOP showroom's shelf.",
                             number=certificate.number, product=product.name,
                             status=_("Expired") if status == EXPIRED else _("Revoked")))


def refresh_index(day, report):
    """Queue the products whose listing changed around today: a certificate started, lapsed or was replaced."""
    changed = select(Certificate.product_id).where(or_(
        Certificate.valid_from == day, Certificate.valid_until == day - timedelta(days=1),
        Certificate.superseded_on == day, Certificate.revoked_on == day))
    ids = list(db.session.scalars(changed.distinct()))
    if ids:
        search.queue(db.session, ids)
        db.session.commit()
    report.reindexed = len(ids)


def sweep(day):
    """Run every daily task for ``day``; return a :class:`SweepReport`."""
    report = SweepReport()
    send_reminders(day, report)
    notify_showrooms(day, report)
    refresh_index(day, report)
    return report

