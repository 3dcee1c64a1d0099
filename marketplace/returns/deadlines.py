"""The promises a buyer is given, as dates: the return window, the producer's answer, the buyer's escalation.

Times are kept in UTC and read from ``core.clock`` (tests move it): "N days" means N × 24 hours from the step,
except the return window, which runs to the end of the N-th day (in Vietnam) after the day of delivery.
"""

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.shop.orders.models import OrderEvent


def now():
    """The current time in UTC, from the one clock."""
    return clock.now().astimezone(UTC)


def aware(moment):
    """A stored time as an aware UTC datetime (SQLite gives them back without their zone)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def delivered_at(part_id):
    """When a vendor order was delivered (its last move to ``delivered``), or None."""
    moment = db.session.scalar(select(OrderEvent.at).where(OrderEvent.vendor_order_id == part_id,
                                                           OrderEvent.to_status == "delivered")
                               .order_by(OrderEvent.at.desc()).limit(1))
    return aware(moment)


def window_closes(delivered):
    """The last moment a case may be opened for goods ``delivered`` then: the end of the window's last day."""
    day = delivered.astimezone(clock.TIMEZONE).date() + timedelta(days=current_app.config["RETURN_WINDOW_DAYS"])
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.TIMEZONE).astimezone(UTC)


def window_open(part):
    """True when a case may be opened for ``part`` now (delivered, and within the window)."""
    delivered = delivered_at(part.id) if part.status == "delivered" else None
    return delivered is not None and now() < window_closes(delivered)


def answer_due():
    """The producer's deadline for a case opened now."""
    return now() + timedelta(days=current_app.config["VENDOR_ANSWER_DAYS"])


def escalation_due():
    """The buyer's deadline to escalate a refusal made now."""
    return now() + timedelta(days=current_app.config["ESCALATION_DAYS"])


def overdue(moment):
    """True once ``moment`` (a stored deadline) has passed."""
    return moment is not None and aware(moment) <= now()
