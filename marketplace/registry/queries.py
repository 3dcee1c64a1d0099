"""The public registry as a dataset: certificates filtered by province, status, stars, criteria set and change.

Status is the one rule of ``rules.py``: ``status_condition`` writes ``certificate_status`` as SQL for each
status (the valid one *is* ``valid_on``), and ``tests/functional/test_open_data.py`` proves they agree for
every status. ``changed_at`` is when a certificate last changed as the public sees it: its row was written, or
its status moved by itself at midnight in Vietnam (it started, expired or was taken over by a newer one).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import joinedload

from marketplace.core.clock import TIMEZONE
from marketplace.core.input import NumberError, number_message, whole_number
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, resolve_province
from marketplace.registry.models import Certificate, Product
from marketplace.registry.rules import EXPIRED, NOT_YET_VALID, REVOKED, SUPERSEDED, VALID, valid_on

STATUSES = (VALID, EXPIRED, REVOKED, SUPERSEDED, NOT_YET_VALID)
DEFAULT_PER_PAGE, MAX_PER_PAGE = 100, 500
ONE_DAY = timedelta(days=1)
#: Years a ``changed_since`` may name.
EARLIEST, LATEST = 1900, 9000


class DatasetQueryError(ValueError):
    """Query parameters that cannot be understood: ``problems`` lists ``(parameter, message)``, all of them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.problems))


@dataclass
class CertificateFilters:
    """What a dataset request asks for (every filter optional)."""

    province_code: str | None = None
    status_wanted: str | None = None
    stars: int | None = None
    criteria_set: str | None = None
    changed_since: datetime | None = None  #: aware
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def status_condition(status, day):
    """SQL condition on :class:`Certificate`: its status on ``day`` is ``status`` (as ``certificate_status``)."""
    not_revoked = Certificate.status != "revoked"
    taken_over = and_(Certificate.superseded_on.is_not(None), Certificate.superseded_on <= day)
    standing = and_(not_revoked, not_(taken_over))
    return {
        VALID: valid_on(day),
        REVOKED: Certificate.status == "revoked",
        SUPERSEDED: and_(not_revoked, taken_over),
        NOT_YET_VALID: and_(standing, Certificate.valid_from > day),
        EXPIRED: and_(standing, Certificate.valid_from <= day, Certificate.valid_until < day),
    }[status]


def midnight(day):
    """The moment ``day`` starts in Vietnam (when a certificate's status moves by itself)."""
    return datetime.combine(day, time(0), tzinfo=TIMEZONE)


def _aware(moment):
    """SQLite gives back naive UTC datetimes; PostgreSQL aware ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def changed_at(certificate, day):
    """When ``certificate`` last changed as seen on ``day``: its row was written, or its status moved at midnight."""
    moments = [_aware(certificate.updated_at)]
    for moved in (certificate.valid_from, certificate.valid_until + ONE_DAY, certificate.superseded_on):
        if moved is not None and moved <= day:
            moments.append(midnight(moved))
    return max(moments).astimezone(TIMEZONE)


def changed_condition(since, day):
    """SQL condition: ``changed_at(certificate, day) >= since`` (the same moments, written as SQL)."""
    local = since.astimezone(TIMEZONE)
    first_day = local.date() if local.time() == time(0) else local.date() + ONE_DAY  # first midnight >= since
    return or_(
        Certificate.updated_at >= since.astimezone(UTC),
        and_(Certificate.valid_from >= first_day, Certificate.valid_from <= day),
        and_(Certificate.valid_until >= first_day - ONE_DAY, Certificate.valid_until <= day - ONE_DAY),
        and_(Certificate.superseded_on >= first_day, Certificate.superseded_on <= day),
    )


def _with_context(statement):
    """Load each certificate's product, entity and successor with it (no query per row)."""
    return statement.options(joinedload(Certificate.product).joinedload(Product.entity),
                             joinedload(Certificate.superseded_by))


def filtered(filters, day):
    """SELECT of the certificates matching ``filters`` on ``day``, by id (a stable order for paging)."""
    statement = select(Certificate).join(Product, Product.id == Certificate.product_id)
    if filters.province_code:
        statement = statement.where(Product.province_code == filters.province_code)
    if filters.status_wanted:
        statement = statement.where(status_condition(filters.status_wanted, day))
    if filters.stars:
        statement = statement.where(Certificate.stars == filters.stars)
    if filters.criteria_set:
        statement = statement.where(Product.criteria_set_code == filters.criteria_set)
    if filters.changed_since:
        statement = statement.where(changed_condition(filters.changed_since, day))
    return statement.order_by(Certificate.id)


def certificate_page(filters, day):
    """``(certificates, total)``: one page of the dataset, with products and entities loaded (three queries)."""
    statement = filtered(filters, day)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    offset = (filters.page - 1) * filters.per_page
    rows = db.session.scalars(_with_context(statement).offset(offset).limit(filters.per_page)).unique().all()
    return rows, total


def all_certificates(batch=1000):
    """Every certificate by id, with product, entity and successor, read in batches (for the downloads)."""
    last_id = 0
    while True:
        rows = db.session.scalars(_with_context(select(Certificate).where(Certificate.id > last_id)
                                                .order_by(Certificate.id).limit(batch))).unique().all()
        yield from rows
        if len(rows) < batch:
            return
        last_id = rows[-1].id


def read_filters(args):
    """:class:`CertificateFilters` from request arguments; DatasetQueryError naming every problem."""
    filters, problems = CertificateFilters(), []
    if raw := (args.get("province") or "").strip():
        province = resolve_province(raw)
        if province is None:
            problems.append(("province", _("“%(value)s” is not a province code, slug or name.", value=raw[:40])))
        else:
            filters.province_code = province.code
    if raw := (args.get("status") or "").strip():
        if raw not in STATUSES:
            problems.append(("status", _("“%(value)s” is not one of %(choices)s.", value=raw[:40],
                                         choices=", ".join(STATUSES))))
        filters.status_wanted = raw if raw in STATUSES else None
    if raw := (args.get("criteria_set") or "").strip():
        code = raw.zfill(2) if raw.isascii() and raw.isdigit() else raw
        if code not in criteria_sets():
            problems.append(("criteria_set", _("“%(value)s” is not a criteria-set code 01-26.", value=raw[:40])))
        else:
            filters.criteria_set = code
    if raw := (args.get("changed_since") or "").strip():
        try:
            filters.changed_since = parse_moment(raw)
        except ValueError:
            problems.append(("changed_since", _("“%(value)s” is not a date (YYYY-MM-DD) or an ISO 8601 date and "
                                                "time.", value=raw[:40])))
    _read_numbers(args, filters, problems)
    if problems:
        raise DatasetQueryError(problems)
    return filters


def _read_numbers(args, filters, problems):
    for name, (minimum, maximum) in {"stars": (3, 5), "page": (1, 1_000_000),
                                     "per_page": (1, MAX_PER_PAGE)}.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            setattr(filters, name, whole_number(raw, minimum, maximum))
        except NumberError as error:
            problems.append((name, number_message(error)))


def parse_moment(text):
    """A date (midnight in Vietnam) or an ISO 8601 date and time (Vietnam's time when no offset is given)."""
    if len(text) == 10:
        moment = midnight(date.fromisoformat(text))
    else:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=TIMEZONE)
    if not EARLIEST <= moment.year <= LATEST:  # far dates would overflow the arithmetic on days
        raise ValueError(text)
    return moment
