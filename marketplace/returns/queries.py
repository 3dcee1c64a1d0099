"""What the pages read: scoped lists of cases (the buyer's, an entity's, staff's queues) and one case in full."""

from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.returns import deadlines
from marketplace.returns.models import CaseEvent, CaseLine, CasePhoto, ReturnCase
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

#: Cases still waiting for someone: one at a time per vendor order.
OPEN = ("open", "awaiting_return", "refused", "escalated")
#: Cases whose refund was decided (made, or owed by hand): their quantities count as refunded.
REFUNDING = ("refund_due", "refunded")
#: What each side must act on: the producer (answer, receive the goods), staff (decide, pay by hand).
VENDOR_WAITING = ("open", "awaiting_return")
STAFF_WAITING = ("escalated", "refund_due")


def for_buyer(user):
    """SELECT of the cases ``user`` opened, with their order's reference, newest first."""
    return (select(ReturnCase, Order.reference).join(Order, Order.id == ReturnCase.order_id)
            .where(ReturnCase.user_id == user.id).order_by(ReturnCase.id.desc()))


def for_entity(entity_id):
    """SELECT of the cases about the entity's vendor orders, with the order's reference, those to act on first."""
    waiting = ReturnCase.status.in_(VENDOR_WAITING)
    return (select(ReturnCase, Order.reference).join(Order, Order.id == ReturnCase.order_id)
            .where(ReturnCase.entity_id == entity_id).order_by(waiting.desc(), ReturnCase.id.desc()))


def for_staff(statuses=None):
    """SELECT of every case (staff), with the order's reference; only ``statuses`` when given, oldest first."""
    query = select(ReturnCase, Order.reference).join(Order, Order.id == ReturnCase.order_id)
    if statuses:
        query = query.where(ReturnCase.status.in_(statuses))
    return query.order_by(ReturnCase.id)


def waiting_count(entity_id):
    """How many of the entity's cases wait for its answer or its acknowledgement (the dashboard's count)."""
    return db.session.scalar(select(func.count()).select_from(ReturnCase)
                             .where(ReturnCase.entity_id == entity_id, ReturnCase.status.in_(VENDOR_WAITING)))


def open_case_of(part_id):
    """The case still open about a vendor order, or None."""
    return db.session.scalar(select(ReturnCase).where(ReturnCase.vendor_order_id == part_id,
                                                      ReturnCase.status.in_(OPEN)))


def refunded_quantities(part_id, excluding=None):
    """``{order line id: units}`` already refunded (or owed) by earlier cases about a vendor order."""
    query = (select(CaseLine.order_line_id, func.sum(CaseLine.refund_quantity))
             .join(ReturnCase, ReturnCase.id == CaseLine.case_id)
             .where(ReturnCase.vendor_order_id == part_id, ReturnCase.status.in_(REFUNDING))
             .group_by(CaseLine.order_line_id))
    if excluding is not None:
        query = query.where(ReturnCase.id != excluding)
    return {line_id: int(units or 0) for line_id, units in db.session.execute(query)}


def refunded_vnd(part_id, excluding=None):
    """The đồng earlier cases about a vendor order refunded (or owe)."""
    query = select(func.coalesce(func.sum(ReturnCase.refund_vnd), 0)).where(
        ReturnCase.vendor_order_id == part_id, ReturnCase.status.in_(REFUNDING))
    if excluding is not None:
        query = query.where(ReturnCase.id != excluding)
    return int(db.session.scalar(query))


def lines_of_part(part_id):
    """The order lines of a vendor order, in order."""
    return db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part_id)
                              .order_by(OrderLine.id)).all()


@dataclass
class CaseView:
    """One case as its pages show it: the vendor order, the lines concerned, photos, events."""

    case: ReturnCase
    part: VendorOrder
    order: Order
    lines: list  #: (OrderLine, CaseLine) pairs
    photos: list
    events: list

    @staticmethod
    def at(moment):
        """A stored time as Vietnam reads it: ``dd/mm/yyyy hh:mm``."""
        return deadlines.aware(moment).astimezone(clock.TIMEZONE).strftime("%d/%m/%Y %H:%M") if moment else ""

    @property
    def lines_vnd(self):
        """What the lines concerned are worth (their quantities in the case)."""
        return sum(line.unit_price_vnd * item.quantity for line, item in self.lines)


def view_of(case):
    """Everything one case's page shows, in a fixed number of queries."""
    part = db.session.get(VendorOrder, case.vendor_order_id)
    order = db.session.get(Order, case.order_id)
    lines = db.session.execute(select(OrderLine, CaseLine).join(CaseLine, CaseLine.order_line_id == OrderLine.id)
                               .where(CaseLine.case_id == case.id).order_by(OrderLine.id)).all()
    photos = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == case.id).order_by(CasePhoto.id)).all()
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.at, CaseEvent.id)).all()
    return CaseView(case, part, order, [tuple(row) for row in lines], photos, events)
