"""Payouts: money the platform sent an entity by bank transfer, recorded by finance staff (flush only).

A payout names the bank's reference of the transfer, which is unique: recording the same transfer again (a double
click, a retried request) finds the payout already recorded instead of paying twice. A payout never exceeds what
the platform owes the entity (its statement entries, less payouts already recorded); payouts of one entity are
recorded one at a time (the entity's row is locked), so two at once cannot both spend the same balance.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import audit, clock
from marketplace.core.db import TimestampMixin
from marketplace.core.errors import Refused
from marketplace.core.i18n import vnd
from marketplace.extensions import db
from marketplace.shop.orders import statements


class Payout(TimestampMixin, db.Model):
    """A bank transfer from the platform to an entity, as finance staff recorded it."""

    __tablename__ = "payout"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date, index=True)  #: the day the transfer left (Vietnam)
    #: The bank's reference of the transfer (normalised: single spaces, upper case): one payout per transfer.
    bank_reference: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(254))  #: the e-mail of the staff member


class PayoutRefused(Refused):
    """A payout that cannot be recorded; ``message`` says why."""


def normalise_reference(text):
    """A bank reference as it is kept: spaces collapsed, upper case ("ft 2612 0001" → "FT 2612 0001")."""
    return " ".join((text or "").split()).upper()


def balance(entity_id):
    """What the platform owes the entity now: every statement entry, less every payout."""
    return statements.net_owed(entity_id) - paid(entity_id)


def paid(entity_id, before=None, until=None):
    """The đồng paid out to the entity: all, or on days before ``before`` / up to ``until`` (inclusive)."""
    query = select(func.coalesce(func.sum(Payout.amount_vnd), 0)).where(Payout.entity_id == entity_id)
    if before is not None:
        query = query.where(Payout.paid_on < before)
    if until is not None:
        query = query.where(Payout.paid_on <= until)
    return int(db.session.scalar(query))


def payouts_between(start, end, entity_id=None):
    """Payouts paid on ``start`` ≤ day < ``end`` (of one entity, or all), oldest first."""
    query = select(Payout).where(Payout.paid_on >= start, Payout.paid_on < end).order_by(Payout.paid_on, Payout.id)
    if entity_id is not None:
        query = query.where(Payout.entity_id == entity_id)
    return db.session.scalars(query).all()


def paid_by_entity(before=None, start=None):
    """{entity id: đồng paid}: every payout, or those before ``before``, or from ``start`` on."""
    query = select(Payout.entity_id, func.sum(Payout.amount_vnd)).group_by(Payout.entity_id)
    if before is not None:
        query = query.where(Payout.paid_on < before)
    if start is not None:
        query = query.where(Payout.paid_on >= start)
    return {entity_id: int(total) for entity_id, total in db.session.execute(query)}


def record(entity, amount_vnd, paid_on, bank_reference, actor, note=None):
    """Record a transfer to ``entity``: ``(payout, created)``, or ``(the payout already recorded, False)``.

    Refused when the amount exceeds the balance, the day is in the future, or the bank reference belongs to
    another payout.
    """
    reference = normalise_reference(bank_reference)
    if not reference:
        raise PayoutRefused(_("Give the bank's reference of the transfer."))
    if amount_vnd is None or amount_vnd <= 0:
        raise PayoutRefused(_("A payout is a positive amount of đồng."))
    if paid_on > clock.today():
        raise PayoutRefused(_("A payout cannot be dated in the future."))
    db.session.refresh(entity, with_for_update=True)  # one payout of this entity at a time
    existing = db.session.scalar(select(Payout).where(Payout.bank_reference == reference))
    if existing is not None:
        return _same_transfer(existing, entity, amount_vnd, paid_on), False
    owed = balance(entity.id)
    if amount_vnd > owed:
        raise PayoutRefused(_("This payout exceeds what is owed to %(entity)s (%(owed)s).",
                              entity=entity.name, owed=vnd(max(owed, 0))))
    payout = Payout(entity_id=entity.id, amount_vnd=amount_vnd, paid_on=paid_on, bank_reference=reference,
                    note=(note or "").strip() or None, recorded_by=actor)
    db.session.add(payout)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same reference recorded meanwhile for another entity: the caller rolls back
        raise PayoutRefused(_("The bank reference %(reference)s is already recorded for another payout.",
                              reference=reference)) from error
    audit.record(actor, "payout.recorded", payout, None,
                 {"entity_id": entity.id, "amount_vnd": amount_vnd, "paid_on": paid_on.isoformat(),
                  "bank_reference": reference, "balance_before_vnd": owed})
    return payout, True


def _same_transfer(existing, entity, amount_vnd, paid_on):
    """The payout already recorded under this reference, when it is this very transfer; refused otherwise."""
    if (existing.entity_id, existing.amount_vnd, existing.paid_on) != (entity.id, amount_vnd, paid_on):
        raise PayoutRefused(_("The bank reference %(reference)s is already recorded for another payout.",
                              reference=existing.bank_reference))
    return existing
