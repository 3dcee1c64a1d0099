"""Payment statuses, the moves allowed between them, and ``move()``: the one way a payment's status changes.

A payment starts ``pending``. Stripe's events may arrive late or out of order, so a session that expired can still
be paid (the money is then recorded and refunded, the order being cancelled by then). A payment whose amount is not
the order's is not accepted, but the money did arrive: it can only be refunded. Every move writes a
``PaymentEvent`` row: who, when, from what to what.
"""

from flask_babel import gettext as _

from marketplace.core.errors import Refused
from marketplace.extensions import db

PAYMENT_STATUSES = ("pending", "succeeded", "failed", "expired", "refunded", "amount_mismatch")
#: from → allowed targets.
TRANSITIONS = {
    "pending": ("succeeded", "failed", "expired", "amount_mismatch"),
    "expired": ("succeeded", "amount_mismatch"),  # paid as the session ran out
    "succeeded": ("refunded",),
    "amount_mismatch": ("refunded",),  # refunded in Stripe's dashboard
    "failed": (),
    "refunded": (),
}


class PaymentTransitionError(Refused):
    """A status change that the payment's lifecycle does not allow; ``current`` and ``target`` name it."""

    def __init__(self, current, target):
        super().__init__(_("This payment cannot go from %(current)s to %(target)s.", current=current, target=target))
        self.current, self.target = current, target


def can_move(payment, target):
    """True when ``payment`` may move to ``target`` now."""
    return target in TRANSITIONS[payment.status]


def move(payment, target, actor, note=None):
    """Move ``payment`` to ``target`` and record the event; the only code that sets a payment's status.

    Raises PaymentTransitionError (a Refused) and changes nothing when the move is not allowed. A check that no one
    else moved the row in the meantime belongs here too.

    :param actor: who moves it (``stripe``, or a staff member's e-mail), written on the event.
    :param note: an optional remark kept on the event.
    """
    current = payment.status
    if not can_move(payment, target):
        raise PaymentTransitionError(current, target)
    payment.status = target
    db.session.add(payment.status_event(current, target, actor, note))
    return payment
