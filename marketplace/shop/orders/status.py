"""Order statuses, the moves allowed between them, and ``move()``: the one way an order's status changes.

A vendor order (one entity's part) moves one step at a time along ``TRANSITIONS``. The customer's order follows
its parts: it takes the status they all share, which they may reach at different times, so it may skip the steps
between (``ORDER_TRANSITIONS``). Every move writes an ``OrderEvent`` row: who, when, from what to what.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.core.db import compare_and_set_status
from marketplace.core.errors import Refused
from marketplace.extensions import db

ORDER_STATUSES = ("pending_payment", "paid", "processing", "shipped", "delivered", "cancelled", "refunded",
                  "returned")
PAYMENT_METHODS = ("cod", "bank_transfer", "card", "vnpay", "momo")
#: Methods paid online at once (card, VNPay, MoMo): their stock is held only RESERVATION_MINUTES.
ONLINE_METHODS = ("card", "vnpay", "momo")
#: How statuses read in messages (the order pages spell them the same way).
STATUS_LABELS = {"pending_payment": _l("Waiting for payment"), "paid": _l("Paid"), "processing": _l("Being prepared"),
                 "shipped": _l("Shipped"), "delivered": _l("Delivered"), "cancelled": _l("Cancelled"),
                 "refunded": _l("Refunded"), "returned": _l("Returned to the producer")}
#: The statuses a new order (and its parts) starts in: cash on delivery at ``processing``, the others unpaid.
INITIAL = ("pending_payment", "processing")
#: from → allowed targets, one step at a time (vendor orders; orders too when a service moves them directly).
TRANSITIONS = {
    "pending_payment": ("paid", "cancelled"),
    "paid": ("processing", "cancelled", "refunded"),
    "processing": ("shipped", "cancelled", "refunded"),
    "shipped": ("delivered", "returned"),  # the carrier delivered it, or brought it back (delivery failed)
    "delivered": ("refunded",),
    "returned": ("refunded",),  # a returned part paid online is refunded by its producer
    "cancelled": (),
    "refunded": (),
}
#: from → allowed targets for a customer's order: the steps above, plus the jumps an order makes when its parts
#: reach a shared status at different times (e.g. one part delivered while the other was still being prepared,
#: then delivered too: the order goes from ``processing`` straight to ``delivered``). Parts leave
#: ``pending_payment`` only with their order (paid) or cancelled, so an unpaid order never jumps.
ORDER_TRANSITIONS = {
    "pending_payment": ("paid", "cancelled"),
    "paid": ("processing", "shipped", "delivered", "cancelled", "refunded", "returned"),
    "processing": ("shipped", "delivered", "cancelled", "refunded", "returned"),
    "shipped": ("delivered", "refunded", "returned"),
    "delivered": ("refunded",),
    "returned": ("refunded",),
    "cancelled": (),
    "refunded": (),
}
#: While in these states the customer may still cancel.
CANCELLABLE = ("pending_payment", "paid", "processing")


class InvalidTransitionError(Refused):
    """A status change that the order's lifecycle does not allow; ``current`` and ``target`` name it."""

    def __init__(self, current, target):
        super().__init__(_("This order cannot go from %(current)s to %(target)s.",
                           current=STATUS_LABELS.get(current, current), target=STATUS_LABELS.get(target, target)))
        self.current, self.target = current, target


class OrderChangedError(Refused):
    """Someone else changed the order first; ``status`` is what it is now."""

    def __init__(self, status):
        super().__init__(_("This order was changed meanwhile: it is now %(status)s.",
                           status=STATUS_LABELS.get(status, status)))
        self.status = status


def check_transition(current, target):
    """Raise InvalidTransitionError unless ``current`` may become ``target`` in one step."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransitionError(current, target)


def can_move(obj, target):
    """True when ``obj`` (an order or a vendor order) may move to ``target`` now (its model names its table)."""
    return target in obj.transitions[obj.status]


def move(obj, target, actor, note=None):
    """Move an order or a vendor order to ``target`` and record the event; the only code that sets their status.

    Raises InvalidTransitionError (a Refused) and changes nothing when the move is not allowed, and
    OrderChangedError when another transaction moved the row first (the status is written by a compare-and-set:
    only the caller that won goes on to its side effects). Callers take ``services.lock(order)`` first, so
    concurrent changes of one order run one after the other and decide on fresh rows.

    :param actor: who moves it (an e-mail, ``stripe`` or ``system``), written on the event.
    :param note: an optional remark kept on the event (e.g. why an order was cancelled).
    """
    current = obj.status
    if not can_move(obj, target):
        raise InvalidTransitionError(current, target)
    if not compare_and_set_status(obj, current, target):
        raise OrderChangedError(obj.status)
    db.session.add(obj.status_event(current, target, actor, note))
    return obj


def begin(obj, actor, note=None):
    """Record the status a new, flushed order starts in (its first event, from nothing); refuses any other start."""
    if obj.status not in INITIAL:
        raise InvalidTransitionError(None, obj.status)
    db.session.add(obj.status_event(None, obj.status, actor, note))
    return obj
