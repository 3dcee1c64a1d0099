"""The statement ledger: what each delivered vendor order earned the entity, booked once, in the month it happened.

When a part is **delivered**, a ``sale`` entry is booked in the same flush as its status change (a flush hook on
``OrderEvent``, so every way of delivering books it: the vendor, a carrier's webhook, staff): goods, shipping,
what the platform collected (``withholding.collects``), its commission, and the VAT and PIT withheld for a
household business or an individual (``withholding.figures``). When a delivered part is **refunded**, a
``refund`` entry reverses what is left of that sale: the sale less the ``return`` entries already booked for it,
with the rates it was booked at, in the month of the refund (Decree 117/2025/NĐ-CP lets returns be offset in the
period they happen), so a part's entries then sum to zero. When a return or complaint refunds only some goods of
a delivered part (the part stays delivered), a ``return`` entry reverses the sale for those goods alone
(``book_return``): one per case, named by its ``reference``, at the sale's rates. Parts cancelled or refunded
before delivery never earned anything and book nothing.

Entries keep the rates, the payment method and the entity type they were booked with: a later change of a setting
or of the registry never rewrites a statement that may already have been paid out. A period is a calendar month
in Vietnam (``YYYY-MM``).
"""

import logging
import re
from datetime import UTC, date, datetime

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    case,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.orders import withholding
from marketplace.shop.orders.models import Order, OrderEvent, OrderLine, VendorOrder

log = logging.getLogger(__name__)
#: ``sale`` and ``refund``: one each per vendor order; ``return``: one per case refunding part of a delivered part.
KINDS = ("sale", "refund", "return")
#: The money columns of an entry (a refund holds the sale's, negated).
AMOUNTS = ("goods_vnd", "shipping_vnd", "collected_vnd", "commission_vnd", "withheld_base_vnd", "vat_vnd", "pit_vnd",
           "net_vnd")
PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class StatementEntry(db.Model):
    """A delivered part's sale, its reversal (refunded after delivery) or a case's partial one; never updated."""

    __tablename__ = "statement_entry"
    __table_args__ = (
        UniqueConstraint("vendor_order_id", "kind", "reference"),
        # a sale and a refund (no reference) once per vendor order; NULLs are distinct in the constraint above
        Index("uq_statement_entry_once", "vendor_order_id", "kind", unique=True,
              sqlite_where=text("reference IS NULL"), postgresql_where=text("reference IS NULL")),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("(kind = 'return' AND reference IS NOT NULL) OR (kind <> 'return' AND reference IS NULL)",
                        name="reference"),
        CheckConstraint("net_vnd = collected_vnd - commission_vnd - vat_vnd - pit_vnd", name="net"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    vendor_order_id: Mapped[int] = mapped_column(ForeignKey("vendor_order.id"))
    kind: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(64))  #: a ``return``'s case refund (its key), else None
    period: Mapped[str] = mapped_column(String(7), index=True)  #: ``YYYY-MM``, the month it was booked (Vietnam)
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  #: when, in UTC
    booked_on: Mapped[date] = mapped_column(Date)  #: the day it was booked (Vietnam)
    payment_method: Mapped[str] = mapped_column(String(20))  #: the order's, as booked
    entity_type: Mapped[str] = mapped_column(String(24))  #: the entity's, as booked
    collected: Mapped[bool] = mapped_column(Boolean)  #: the platform collected the payment
    goods_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_vnd: Mapped[int] = mapped_column(BigInteger)
    collected_vnd: Mapped[int] = mapped_column(BigInteger)  #: goods + shipping when collected, else 0
    commission_vnd: Mapped[int] = mapped_column(BigInteger)
    withheld_base_vnd: Mapped[int] = mapped_column(BigInteger)  #: revenue subject to withholding
    vat_vnd: Mapped[int] = mapped_column(BigInteger)
    pit_vnd: Mapped[int] = mapped_column(BigInteger)
    net_vnd: Mapped[int] = mapped_column(BigInteger)  #: owed to the entity (negative: it owes the platform)
    commission_bp: Mapped[int] = mapped_column(Integer)
    vat_bp: Mapped[int] = mapped_column(Integer)
    pit_bp: Mapped[int] = mapped_column(Integer)


# --- periods ---------------------------------------------------------------------------------------------------

def period_of(moment):
    """The period (``YYYY-MM``, Vietnam) of an aware datetime."""
    return moment.astimezone(clock.TIMEZONE).strftime("%Y-%m")


def current_period():
    """The current month in Vietnam."""
    return period_of(clock.now())


def period_of_day(day):
    """The period of a date."""
    return day.strftime("%Y-%m")


def parse_period(text):
    """``text`` when it is a period (``YYYY-MM``), else None."""
    return text if text and PERIOD.fullmatch(text) else None


def first_day(period):
    """The first day of ``period``."""
    year, month = PERIOD.fullmatch(period).groups()
    return date(int(year), int(month), 1)


def shift(period, months):
    """The period ``months`` after (or before, when negative) ``period``."""
    start = first_day(period)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- booking ---------------------------------------------------------------------------------------------------

@event.listens_for(FlaskSession, "before_flush")
def _book_moves(session, _context, _instances):
    """Book the sale of each part delivered, and the reversal of each delivered part refunded, in this flush."""
    moves = [row for row in session.new if isinstance(row, OrderEvent) and row.vendor_order_id is not None]
    for row in sorted(moves, key=lambda row: row.to_status != "delivered"):  # a sale before its reversal
        if row.to_status == "delivered":
            book_sale(session, session.get(VendorOrder, row.vendor_order_id))
        elif row.to_status == "refunded" and row.from_status == "delivered":
            book_refund(session, session.get(VendorOrder, row.vendor_order_id))


def _booked(moment):
    """The booking columns of an entry made at ``moment``: UTC time, Vietnam day and period."""
    local = moment.astimezone(clock.TIMEZONE)
    return {"booked_at": moment.astimezone(UTC), "booked_on": local.date(), "period": local.strftime("%Y-%m")}


def book_sale(session, part):
    """Add the ``sale`` entry of a delivered part: its figures with the rates in force now."""
    order = session.get(Order, part.order_id)
    entity = session.get(Entity, part.entity_id)
    amounts = [price * quantity for price, quantity in session.execute(
        select(OrderLine.unit_price_vnd, OrderLine.quantity).where(OrderLine.vendor_order_id == part.id)
        .order_by(OrderLine.id))]
    rates = withholding.Rates.current()
    figures = withholding.figures(amounts, part.shipping_vnd, entity.entity_type, order.payment_method, rates)
    moment = clock.now()
    entry = StatementEntry(
        entity_id=part.entity_id, vendor_order_id=part.id, kind="sale", **_booked(moment),
        payment_method=order.payment_method, entity_type=entity.entity_type,
        collected=withholding.collects(order.payment_method), net_vnd=figures.net_vnd,
        commission_bp=rates.commission_bp, vat_bp=rates.vat_bp, pit_bp=rates.pit_bp,
        **{name: getattr(figures, name) for name in AMOUNTS if name != "net_vnd"})
    session.add(entry)
    return entry


def _sale_of(session, part):
    """The ``sale`` entry of ``part``, booked in this flush or before; None when it was never booked."""
    sale = next((row for row in session.new if isinstance(row, StatementEntry)
                 and row.vendor_order_id == part.id and row.kind == "sale"), None)
    if sale is None:
        sale = session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id,
                                                           StatementEntry.kind == "sale"))
    return sale


def _returns_of(session, part):
    """The ``return`` entries of ``part``, booked in this flush or before."""
    booked = session.scalars(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id,
                                                          StatementEntry.kind == "return")).all()
    pending = [row for row in session.new if isinstance(row, StatementEntry)
               and row.vendor_order_id == part.id and row.kind == "return" and row not in booked]
    return [*booked, *pending]


def return_references(part_id):
    """SELECT of the references (case refund keys) of the ``return`` entries booked for a vendor order."""
    return select(StatementEntry.reference).where(StatementEntry.vendor_order_id == part_id,
                                                  StatementEntry.kind == "return")


def book_refund(session, part):
    """Add the ``refund`` entry reversing what is left of a delivered part's sale (nothing when never booked).

    What is left: the sale less the ``return`` entries cases booked for some of its goods, column by column, so
    the part's entries sum to zero in every column, to the đồng.
    """
    sale = _sale_of(session, part)
    if sale is None:
        log.warning("vendor order %s refunded after delivery without a booked sale: nothing to reverse", part.id)
        return None
    returns = _returns_of(session, part)
    moment = clock.now()
    entry = StatementEntry(
        entity_id=sale.entity_id, vendor_order_id=part.id, kind="refund", **_booked(moment),
        payment_method=sale.payment_method, entity_type=sale.entity_type, collected=sale.collected,
        commission_bp=sale.commission_bp, vat_bp=sale.vat_bp, pit_bp=sale.pit_bp,
        **{name: -(getattr(sale, name) + sum(getattr(row, name) for row in returns)) for name in AMOUNTS})
    session.add(entry)
    return entry


def book_return(session, part, line_amounts, reference):
    """Add the ``return`` entry of goods a case refunds while ``part`` stays delivered, once per ``reference``.

    ``line_amounts``: the đồng refunded per line (unit price × units). The sale's figures for those goods alone,
    negated, at its booked rates and with its collection and withholding: no shipping, commission rounded down,
    each tax rounded half up per line (``withholding.booked_figures``). Nothing when the sale was never booked.
    """
    booked = session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id,
                                                         StatementEntry.kind == "return",
                                                         StatementEntry.reference == reference))
    if booked is not None:
        return booked
    sale = _sale_of(session, part)
    if sale is None:
        log.warning("vendor order %s partly refunded without a booked sale: nothing to reverse", part.id)
        return None
    rates = withholding.Rates(sale.commission_bp, sale.vat_bp, sale.pit_bp)
    figures = withholding.booked_figures(line_amounts, 0, sale.collected, sale.withheld_base_vnd > 0, rates)
    entry = StatementEntry(
        entity_id=sale.entity_id, vendor_order_id=part.id, kind="return", reference=reference,
        **_booked(clock.now()), payment_method=sale.payment_method, entity_type=sale.entity_type,
        collected=sale.collected, commission_bp=sale.commission_bp, vat_bp=sale.vat_bp, pit_bp=sale.pit_bp,
        **{name: -getattr(figures, name) for name in AMOUNTS})
    session.add(entry)
    return entry


# --- reading ---------------------------------------------------------------------------------------------------

def entries(entity_id, period):
    """(entry, order reference) of an entity in ``period``, in the order they were booked."""
    return db.session.execute(
        select(StatementEntry, Order.reference).join(VendorOrder, VendorOrder.id == StatementEntry.vendor_order_id)
        .join(Order, Order.id == VendorOrder.order_id)
        .where(StatementEntry.entity_id == entity_id, StatementEntry.period == period)
        .order_by(StatementEntry.booked_on, StatementEntry.id)).all()


def period_entries(period):
    """(entry, order reference, entity) of every entity in ``period``, by entity then as booked."""
    return db.session.execute(
        select(StatementEntry, Order.reference, Entity).join(Entity, Entity.id == StatementEntry.entity_id)
        .join(VendorOrder, VendorOrder.id == StatementEntry.vendor_order_id)
        .join(Order, Order.id == VendorOrder.order_id).where(StatementEntry.period == period)
        .order_by(Entity.name, StatementEntry.booked_on, StatementEntry.id)).all()


def sums_by_entity(period):
    """{entity id: {gross sales, refunds (whole and partial) and every amount column summed}} for ``period``."""
    gross = StatementEntry.goods_vnd + StatementEntry.shipping_vnd
    columns = [func.sum(case((StatementEntry.kind == "sale", gross), else_=0)).label("sales_vnd"),
               func.sum(case((StatementEntry.kind != "sale", -gross), else_=0)).label("refunds_vnd"),
               *(func.sum(getattr(StatementEntry, name)).label(name) for name in AMOUNTS)]
    rows = db.session.execute(select(StatementEntry.entity_id, *columns).where(StatementEntry.period == period)
                              .group_by(StatementEntry.entity_id)).all()
    return {row.entity_id: {name: int(value) for name, value in row._asdict().items() if name != "entity_id"}
            for row in rows}


def net_by_entity(before=None):
    """{entity id: net owed} summed over every entry, or over the periods before ``before``."""
    query = select(StatementEntry.entity_id, func.sum(StatementEntry.net_vnd)).group_by(StatementEntry.entity_id)
    if before is not None:
        query = query.where(StatementEntry.period < before)
    return {entity_id: int(total) for entity_id, total in db.session.execute(query)}


def net_owed(entity_id, before=None):
    """What the entity has earned over every entry (or before the period ``before``), before payouts."""
    query = select(func.coalesce(func.sum(StatementEntry.net_vnd), 0)).where(StatementEntry.entity_id == entity_id)
    if before is not None:
        query = query.where(StatementEntry.period < before)
    return int(db.session.scalar(query))


def totals(rows):
    """Every amount column, gross sales and refunds (whole and partial) summed over (entry, …) rows."""
    result = dict.fromkeys(("sales_vnd", "refunds_vnd", *AMOUNTS), 0)
    for entry, *_rest in rows:
        for name in AMOUNTS:
            result[name] += getattr(entry, name)
        gross = entry.goods_vnd + entry.shipping_vnd
        result["sales_vnd" if entry.kind == "sale" else "refunds_vnd"] += abs(gross)
    return result
