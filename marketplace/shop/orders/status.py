"""Order statuses and the moves allowed between them (orders and vendor orders share them)."""

ORDER_STATUSES = ("pending_payment", "paid", "processing", "shipped", "delivered", "cancelled", "refunded")
PAYMENT_METHODS = ("cod", "bank_transfer", "card")
#: from → allowed targets. Cash on delivery starts at ``processing``; the others at ``pending_payment``.
TRANSITIONS = {
    "pending_payment": ("paid", "cancelled"),
    "paid": ("processing", "cancelled", "refunded"),
    "processing": ("shipped", "cancelled", "refunded"),
    "shipped": ("delivered",),
    "delivered": ("refunded",),
    "cancelled": (),
    "refunded": (),
}
#: While in these states the customer may still cancel.
CANCELLABLE = ("pending_payment", "paid", "processing")


class InvalidTransitionError(Exception):
    """A status change that the order's lifecycle does not allow."""

    def __init__(self, current, target):
        super().__init__(f"{current} → {target}")
        self.current, self.target = current, target


def check_transition(current, target):
    """Raise InvalidTransitionError unless ``current`` may become ``target``."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransitionError(current, target)
