"""Returns and complaints: the transition table, ``move()`` (the one way a case's status changes), and each step.

A buyer opens a case about a delivered vendor order (one open case per vendor order) within the return window.
Its producer accepts (the goods come back first, or the buyer keeps them and is refunded at once) or refuses with
a reason, within the answer deadline; past it the case goes to the platform by itself (``escalate_overdue``), or
at the moment the producer answers late (``escalate_if_unanswered``: deadlines are decided at action time, not
when the job runs). The buyer may escalate a refusal within the escalation deadline (past it the case closes,
``close_if_lapsed``); staff then refund in full, in part (per line) or
reject. A refund goes through ``payments.refunds.refund_case`` exactly once: every step that refunds locks the
order first, then moves the case by a compare-and-set, and only the caller that won asks for the money. An order
not paid online ends ``refund_due`` (owed by bank transfer to the details the buyer gave) until staff pay it.
Every move writes a ``CaseEvent``: who, when, from what to what, and what they wrote. Services flush.
"""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.core.db import compare_and_set_status
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.payments.refunds import PROVIDER_METHODS
from marketplace.returns import deadlines, labels, mail, queries
from marketplace.returns.models import KINDS, REASONS, RESOLUTIONS, CaseLine, ReturnCase
from marketplace.returns.photos import add_photos
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

#: Who may make each move: from → {to: sides}. ``buyer``, ``vendor`` (a member of the entity), ``staff`` (an
#: admin) and ``system`` (the deadline job). Nothing else changes a case's status.
TRANSITIONS = {
    "open": {"awaiting_return": ("vendor",), "refunded": ("vendor",), "refund_due": ("vendor",),
             "refused": ("vendor",), "escalated": ("system",), "withdrawn": ("buyer",)},
    "awaiting_return": {"refunded": ("vendor",), "refund_due": ("vendor",), "escalated": ("buyer",),
                        "withdrawn": ("buyer",)},
    "refused": {"escalated": ("buyer",), "closed": ("system",)},
    "escalated": {"refunded": ("staff",), "refund_due": ("staff",), "rejected": ("staff",)},
    "refund_due": {"refunded": ("staff",)},
    "refunded": {}, "rejected": {}, "closed": {}, "withdrawn": {},
}
STATUS_LABELS = {
    "open": _l("Waiting for the producer"), "awaiting_return": _l("Waiting for the goods to come back"),
    "refused": _l("Refused by the producer"), "escalated": _l("With the platform"),
    "refund_due": _l("Refund owed by bank transfer"), "refunded": _l("Refunded"), "rejected": _l("Rejected"),
    "closed": _l("Closed"), "withdrawn": _l("Withdrawn"),
}
KIND_LABELS = {"return": _l("Return"), "complaint": _l("Complaint")}
REASON_LABELS = {
    "damaged": _l("Damaged or broken"), "wrong_item": _l("Not what I ordered"),
    "missing_item": _l("Something is missing"),
    "not_as_described": _l("Not as described"), "expired": _l("Past its use-by date"),
    "quality": _l("Quality problem"), "other": _l("Another reason"),
}
MAX_TEXT = 2000  #: characters of free text kept


class CaseTransitionError(Refused):
    """A move the case's lifecycle (or this side) may not make; ``current`` and ``target`` name it."""

    def __init__(self, current, target):
        super().__init__(_("This case cannot go from “%(current)s” to “%(target)s”.",
                           current=STATUS_LABELS.get(current, current), target=STATUS_LABELS.get(target, target)))
        self.current, self.target = current, target


class CaseChangedError(Refused):
    """Someone else moved the case first; ``status`` is what it is now."""

    def __init__(self, status):
        super().__init__(_("This case was changed meanwhile: it is now “%(status)s”.",
                           status=STATUS_LABELS.get(status, status)))
        self.status = status


def can_move(case, target, side):
    """True when ``side`` may move ``case`` to ``target`` now."""
    return side in TRANSITIONS[case.status].get(target, ())


def move(case, target, actor, side, note=None):
    """Move ``case`` to ``target`` and record the event: the only code that sets a case's status.

    Raises CaseTransitionError when the table does not allow it for ``side``, and CaseChangedError when another
    transaction moved the case first (compare-and-set): only the winner goes on to refund and mail.
    """
    current = case.status
    if not can_move(case, target, side):
        raise CaseTransitionError(current, target)
    if not compare_and_set_status(case, current, target):
        raise CaseChangedError(case.status)
    db.session.add(case.status_event(current, target, actor, side, note, at=deadlines.now()))
    return case


def lock(case):
    """Lock the case's order (the one lock order: order first), then reload the case itself."""
    orders.lock(db.session.get(Order, case.order_id))
    db.session.refresh(case, with_for_update=True)
    return case


def _text(value, required_message=None):
    """Free text trimmed to ``MAX_TEXT``; Refused with ``required_message`` when empty and required."""
    text = (value or "").strip()[:MAX_TEXT]
    if not text and required_message:
        raise Refused(required_message)
    return text or None


def paid_online(order):
    """True when the order's money went through a provider (a refund goes back the same way)."""
    return order.payment_method in PROVIDER_METHODS


def open_case(user, part, kind, reason, details, quantities, bank_details=None, files=()):
    """The buyer opens a return or complaint about a delivered ``part`` of their order: the case, lines, photos.

    :param quantities: ``{order line id: units}``; lines at 0 are left out, at least one line is needed.
    Refused (translated) outside the return window, while another case is open, or for a bad line or quantity.
    """
    order = orders.lock(db.session.get(Order, part.order_id))
    db.session.refresh(part)
    if order.user_id != user.id:
        raise Refused(_("Only the buyer can open a case about this order."))
    _check_can_open(part)
    if kind not in KINDS or reason not in REASONS:
        raise Refused(_("Choose what kind of case this is and why."))
    details = _text(details, _("Tell the producer what is wrong."))
    if not paid_online(order):
        bank_details = _text(bank_details, _("Give the bank account a refund should be paid to."))
    chosen = _chosen_lines(part, quantities)
    case = ReturnCase(order_id=order.id, vendor_order_id=part.id, entity_id=part.entity_id, user_id=user.id,
                      kind=kind, reason=reason, details=details, status="open", answer_due_at=deadlines.answer_due(),
                      bank_details=None if paid_online(order) else bank_details)
    db.session.add(case)
    db.session.flush()
    db.session.add_all([CaseLine(case_id=case.id, order_line_id=line.id, quantity=units) for line, units in chosen])
    add_photos(case, list(files))
    db.session.add(case.status_event(None, "open", user.email, "buyer", details, at=deadlines.now()))
    db.session.flush()
    mail.notify(case, "opened")
    return case


def _check_can_open(part):
    """Refused unless ``part`` is delivered, within the return window, with no case open about it."""
    if part.status != "delivered":
        raise Refused(_("A return or complaint can be opened once the parcel is delivered."))
    if not deadlines.window_open(part):
        raise Refused(_("The %(days)d days to open a return or complaint after delivery have passed.",
                        days=current_app.config["RETURN_WINDOW_DAYS"]))
    if queries.open_case_of(part.id) is not None:
        raise Refused(_("A case about this parcel is already open: follow it from your returns page."))


def _chosen_lines(part, quantities):
    """``[(line, units)]`` chosen among the part's lines; Refused for a line not in it or too many units."""
    lines = {line.id: line for line in queries.lines_of_part(part.id)}
    refunded = queries.refunded_quantities(part.id)
    chosen = []
    for line_id, units in quantities.items():
        if not units:
            continue
        line = lines.get(line_id)
        if line is None:
            raise Refused(_("Choose among the products of this parcel."))
        if units > line.quantity - refunded.get(line_id, 0):
            raise Refused(_("At most %(count)d of “%(product)s” can be returned.", product=line.product_name,
                            count=line.quantity - refunded.get(line_id, 0)))
        chosen.append((line, units))
    if not chosen:
        raise Refused(_("Choose at least one product and how many."))
    return chosen


def late_answer_message():
    """Why a producer's answer after its deadline is not taken (translated)."""
    return _("The %(days)d days to answer this case have passed: it went to the platform's staff, who decide it now.",
             days=current_app.config["VENDOR_ANSWER_DAYS"])


def late_escalation_message():
    """Why a buyer's escalation after its deadline is not taken (translated)."""
    return _("The %(days)d days to ask the platform about this refusal have passed: the case is closed.",
             days=current_app.config["ESCALATION_DAYS"])


def _answer_late(case):
    """True when ``case`` waits for its producer's answer past the deadline (decided now, not by the job)."""
    return case.status == "open" and deadlines.overdue(case.answer_due_at)


def _escalation_late(case):
    """True when the buyer's time to escalate ``case``'s refusal has passed."""
    return case.status == "refused" and deadlines.overdue(case.escalation_due_at)


def escalate_if_unanswered(case):
    """Lock ``case``; when its producer's deadline passed unanswered it goes to the platform now. True if it did.

    The producer's late answer is not taken: the case moves as the deadline job would have moved it.
    """
    lock(case)
    if not _answer_late(case):
        return False
    _escalate_unanswered(case)
    return True


def close_if_lapsed(case):
    """Lock ``case``; when the buyer's time to escalate its refusal passed it closes now. True if it did."""
    lock(case)
    if not _escalation_late(case):
        return False
    _close_lapsed(case)
    return True


def _escalate_unanswered(case):
    """Move an unanswered case past its deadline to the platform (the system's move) and tell everyone."""
    move(case, "escalated", "system", "system", _("The producer did not answer in time."))
    mail.notify(case, "escalated")


def _close_lapsed(case):
    """Close a refused case the buyer did not escalate in time (the system's move) and tell both sides."""
    move(case, "closed", "system", "system", _("The buyer did not ask the platform in time."))
    mail.notify(case, "closed")


def accept(case, resolution, actor, instructions=None):
    """The producer accepts: ``send_back`` (a carrier label, or ``instructions``) or ``keep_it`` (refund now)."""
    lock(case)
    if _answer_late(case):
        raise Refused(late_answer_message())
    if resolution not in RESOLUTIONS:
        raise Refused(_("Choose how you accept this case."))
    if resolution == "keep_it":
        case.resolution = "keep_it"
        return settle(case, None, actor, "vendor", _text(instructions))
    part = db.session.get(VendorOrder, case.vendor_order_id)
    case.resolution = "send_back"
    if labels.came_by_carrier(part) and not (instructions or "").strip():
        labels.create_return_parcel(case, part)
    else:
        case.answer = _text(instructions, _("Tell the buyer how to send the goods back."))
    move(case, "awaiting_return", actor, "vendor", case.answer)
    mail.notify(case, "awaiting_return")
    return case


def refuse(case, actor, reason):
    """The producer refuses, saying why; the buyer may escalate until the escalation deadline."""
    lock(case)
    if _answer_late(case):
        raise Refused(late_answer_message())
    case.answer = _text(reason, _("Say why you refuse: the buyer and, if asked, the platform will read it."))
    case.escalation_due_at = deadlines.escalation_due()
    move(case, "refused", actor, "vendor", case.answer)
    mail.notify(case, "refused")
    return case


def received(case, actor):
    """The producer has the goods back (only after accepting "send it back"): the case is refunded (or owed)."""
    lock(case)
    if case.status != "awaiting_return":
        raise CaseTransitionError(case.status, "refunded")
    return settle(case, None, actor, "vendor", _("The goods came back."))


def escalate(case, actor):
    """The buyer takes a refusal (within the deadline) or goods never acknowledged to the platform."""
    lock(case)
    if _escalation_late(case):
        raise Refused(late_escalation_message())
    move(case, "escalated", actor, "buyer")
    mail.notify(case, "escalated")
    return case


def withdraw(case, actor):
    """The buyer withdraws a case nobody has decided yet."""
    lock(case)
    move(case, "withdrawn", actor, "buyer")
    mail.notify(case, "withdrawn")
    return case


def decide(case, actor, decision, quantities=None, note=None):
    """Staff decide an escalated case: ``refund`` (``quantities`` per line, all by default) or ``reject``."""
    lock(case)
    note = _text(note)
    if decision == "reject":
        case.answer = _text(note, _("Say why the case is rejected: both sides will read it."))
        move(case, "rejected", actor, "staff", note)
        mail.notify(case, "rejected")
        return case
    if decision != "refund":
        raise Refused(_("Choose a decision."))
    return settle(case, quantities, actor, "staff", note)


def settle(case, quantities, actor, side, note=None):
    """Refund ``case`` (its lines at ``quantities``, all of them by default) once; the case is locked already.

    The case moves first (compare-and-set): a second decision sent at the same time finds it moved and is
    refused before any money moves. Paid online: the provider refunds now; else the refund is owed by hand.
    """
    order = db.session.get(Order, case.order_id)
    online = paid_online(order)
    if not can_move(case, "refunded" if online else "refund_due", side):
        raise CaseTransitionError(case.status, "refunded" if online else "refund_due")
    items = _refund_lines(case, quantities)
    amounts, whole = _amounts(case, items)
    move(case, "refunded" if online else "refund_due", actor, side, note)
    part = db.session.get(VendorOrder, case.vendor_order_id)
    refund = refunds.refund_case(part, amounts, whole, f"{order.reference}-case-{case.id}", actor, note)
    case.refund_vnd = _rest_of_part(case, part) if whole else sum(amounts)
    case.refund_id = refund.id if refund is not None else None
    mail.notify(case, case.status)
    return case


def _refund_lines(case, quantities):
    """``[(CaseLine, OrderLine)]`` with ``refund_quantity`` set from ``quantities`` (``{order line id: units}``)."""
    rows = db.session.execute(select(CaseLine, OrderLine).join(OrderLine, OrderLine.id == CaseLine.order_line_id)
                              .where(CaseLine.case_id == case.id).order_by(OrderLine.id)).all()
    refunded = queries.refunded_quantities(case.vendor_order_id, excluding=case.id)
    for item, line in rows:
        units = item.quantity if quantities is None else quantities.get(line.id, 0)
        if not 0 <= units <= min(item.quantity, line.quantity - refunded.get(line.id, 0)):
            raise Refused(_("At most %(count)d of “%(product)s” can be refunded.", product=line.product_name,
                            count=min(item.quantity, line.quantity - refunded.get(line.id, 0))))
        item.refund_quantity = units
    if not any(item.refund_quantity for item, _line in rows):
        raise Refused(_("Refund at least one product, or reject the case."))
    return rows


def _amounts(case, items):
    """``([đồng refunded per line refunded], whether every line of the part is then back in full)``.

    Earlier cases' refunds count: a case giving back all that they left makes the whole part come back.
    """
    amounts = [line.unit_price_vnd * item.refund_quantity for item, line in items if item.refund_quantity]
    refunded = queries.refunded_quantities(case.vendor_order_id, excluding=case.id)
    units = {line.id: item.refund_quantity for item, line in items}
    whole = all(refunded.get(line.id, 0) + units.get(line.id, 0) == line.quantity
                for line in queries.lines_of_part(case.vendor_order_id))
    return amounts, whole


def _rest_of_part(case, part):
    """What a case refunding the whole part gives back: goods and shipping, less what earlier cases refunded."""
    return part.subtotal_vnd + part.shipping_vnd - queries.refunded_vnd(part.id, excluding=case.id)


def mark_paid(case, actor, note=None):
    """Finance staff paid a refund owed by hand (bank transfer to the buyer's details): the case is refunded."""
    lock(case)
    move(case, "refunded", actor, "staff", _text(note, _("Give the bank transfer's reference.")))
    mail.notify(case, "refunded")
    return case


def escalate_overdue():
    """The deadline job: open cases the producer left unanswered go to the platform; lapsed refusals close.

    Each case is locked and checked again, so an answer given at the same moment wins or loses cleanly. Returns
    ``(escalated, closed)`` counts; the caller commits.
    """
    now = deadlines.now()
    escalated = closed = 0
    due = db.session.scalars(select(ReturnCase.id).where(ReturnCase.status == "open", ReturnCase.answer_due_at <= now)
                             .order_by(ReturnCase.id)).all()
    for case_id in due:
        if escalate_if_unanswered(db.session.get(ReturnCase, case_id)):
            escalated += 1
    lapsed = db.session.scalars(select(ReturnCase.id).where(ReturnCase.status == "refused",
                                                            ReturnCase.escalation_due_at <= now)
                                .order_by(ReturnCase.id)).all()
    for case_id in lapsed:
        if close_if_lapsed(db.session.get(ReturnCase, case_id)):
            closed += 1
    return escalated, closed
