"""Payment statuses, the moves allowed between them, and ``move()``: the one way a payment's status changes.

A payment starts ``pending``. Stripe's events may arrive late or out of order, so a session that expired can still
be paid (the money is then recorded and refunded, the order being cancelled by then). A payment whose amount is not
the order's is not accepted, but the money did arrive: it can only be refunded. Every move writes a
``PaymentEvent`` row: who, when, from what to what.
"""

from flask_babel import gettext as _

from marketplace.core.db import compare_and_set_status
from marketplace.core.errors import Refused
from marketplace.extensions import db

PAYMENT_STATUSES = ("pending", "succeeded", "failed", "expired", "refunded", "amount_mismatch")
#: A refund is made (``succeeded``) or refused by the provider (``failed``: retried by finance staff).
REFUND_STATUSES = ("succeeded", "failed")
REFUND_TRANSITIONS = {"failed": ("succeeded", "failed"), "succeeded": ()}
#: from → allowed targets.
TRANSITIONS = {
    "pending": ("succeeded", "failed", "expired", "amount_mismatch"),
    "expired": ("succeeded", "amount_mismatch"),  # paid as the session ran out
    "succeeded": ("refunded",),
    "amount_mismatch": ("refunded",),  # refunded in Stripe's dashboard
    "failed": (),
    "refunded": (),
}


class PaymentError(Refused):
    """A payment could not be started or confirmed; ``message`` is for logs, pages show their own text."""


class PaymentTransitionError(Refused):
    """A status change that the payment's lifecycle does not allow; ``current`` and ``target`` name it."""

    def __init__(self, current, target):
        super().__init__(_("This payment cannot go from %(current)s to %(target)s.", current=current, target=target))
        self.current, self.target = current, target


class PaymentChangedError(Refused):
    """Someone else changed the payment first; ``status`` is what it is now."""

    def __init__(self, status):
        super().__init__(_("This payment was changed meanwhile: it is now %(status)s.", status=status))
        self.status = status


def can_move(payment, target):
    """True when ``payment`` may move to ``target`` now."""
    return target in TRANSITIONS[payment.status]


def move(payment, target, actor, note=None):
    """Move ``payment`` to ``target`` and record the event; the only code that sets a payment's status.

    Raises PaymentTransitionError (a Refused) and changes nothing when the move is not allowed, and
    PaymentChangedError when another transaction moved the row first (a compare-and-set on the status).

    :param actor: who moves it (``stripe``, or a staff member's e-mail), written on the event.
    :param note: an optional remark kept on the event.
    """
    current = payment.status
    if not can_move(payment, target):
        raise PaymentTransitionError(current, target)
    if not compare_and_set_status(payment, current, target):
        raise PaymentChangedError(payment.status)
    db.session.add(payment.status_event(current, target, actor, note))
    return payment


def settle_refund(refund, target, error=None):
    """A retried refund's outcome: ``succeeded``, or ``failed`` again with the provider's ``error``."""
    current = refund.status
    if target not in REFUND_TRANSITIONS[current]:
        raise PaymentTransitionError(current, target)
    refund.error, refund.attempts = error, refund.attempts + 1
    if not compare_and_set_status(refund, current, target):
        raise PaymentChangedError(refund.status)
    return refund
