"""Lifecycles as explicit transitions: orders, vendor orders, payments and showroom placements each change status
only through their ``move()``, which refuses every move its table does not list and records every move it makes."""

import ast
import itertools
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.core.errors import Refused
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.payments import refunds, stripe_client
from marketplace.payments import status as payment_status
from marketplace.payments.models import Payment, PaymentEvent
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders import status as order_status
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from marketplace.showrooms import services as showrooms
from marketplace.showrooms.models import PLACEMENT_STATUSES, Placement, Showroom
from tests.factories import make_entity, make_product, make_user

ROOT = Path(__file__).resolve().parents[2]
_references = itertools.count(1)

ORDER_STATUSES = order_status.ORDER_STATUSES
PAYMENT_STATUSES = payment_status.PAYMENT_STATUSES
ALL_ORDER_PAIRS = list(itertools.product(ORDER_STATUSES, ORDER_STATUSES))
ALL_PAYMENT_PAIRS = list(itertools.product(PAYMENT_STATUSES, PAYMENT_STATUSES))
PLACEMENT_ACTIONS = sorted({action for moves in showrooms.TRANSITIONS.values() for action in moves}
                           | set(showrooms.START))


def pairs(table, statuses, legal):
    return [(current, target) for current, target in itertools.product(statuses, statuses)
            if (target in table[current]) == legal]


def make_order(status="pending_payment", part_status=None, payment_method="card", parts=1):
    """An order of ``parts`` vendor orders, written directly (no basket): the lifecycle is what is under test."""
    order = Order(reference=f"OCOP-LC-{next(_references):05d}", email="an@test.example", name="Nguyễn Văn An",
                  phone="0912345678", province_code="79", ward="Phường Bến Nghé", address="12 Lê Lợi", status=status,
                  payment_method=payment_method, subtotal_vnd=100000 * parts, shipping_vnd=30000 * parts,
                  total_vnd=130000 * parts)
    db.session.add(order)
    db.session.flush()
    made = []
    for _ in range(parts):
        entity = make_entity()
        part = VendorOrder(order_id=order.id, entity_id=entity.id, entity_name=entity.name,
                           status=part_status or status, subtotal_vnd=100000, shipping_vnd=30000)
        db.session.add(part)
        made.append(part)
    db.session.flush()
    return order, made


def events_of(order):
    return db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                              .order_by(OrderEvent.id)).all()


# Orders and vendor orders ---------------------------------------------------------------------------------------

def test_order_tables_name_every_status_and_only_statuses():
    for table in (order_status.TRANSITIONS, order_status.ORDER_TRANSITIONS):
        assert set(table) == set(ORDER_STATUSES)
        assert {target for targets in table.values() for target in targets} <= set(ORDER_STATUSES)


def test_an_order_skips_only_steps_its_parts_can_take():
    """Every step of a part is a move of an order; every jump of an order is a path of part steps."""

    def reachable(start):
        seen, todo = set(), [start]
        while todo:
            for target in order_status.TRANSITIONS[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    for current, targets in order_status.ORDER_TRANSITIONS.items():
        assert set(order_status.TRANSITIONS[current]) <= set(targets) <= reachable(current)
    assert order_status.ORDER_TRANSITIONS["pending_payment"] == order_status.TRANSITIONS["pending_payment"]


@pytest.mark.parametrize(("current", "target"), pairs(order_status.TRANSITIONS, ORDER_STATUSES, legal=False))
def test_illegal_part_moves_are_refused_and_change_nothing(current, target):
    order, [part] = make_order(status="processing", part_status=current)
    with pytest.raises(order_status.InvalidTransitionError) as refused:
        order_status.move(part, target, "vendor@test.example")
    assert (refused.value.current, refused.value.target) == (current, target)
    assert isinstance(refused.value, Refused) and refused.value.message
    db.session.flush()
    assert part.status == current and events_of(order) == []


@pytest.mark.parametrize(("current", "target"), pairs(order_status.TRANSITIONS, ORDER_STATUSES, legal=True))
def test_legal_part_moves_assign_and_write_the_event(current, target):
    order, [part] = make_order(status="processing", part_status=current)
    order_status.move(part, target, "vendor@test.example", "kho số 2")
    db.session.flush()
    assert part.status == target and order.status == "processing"
    [event] = events_of(order)
    assert (event.order_id, event.vendor_order_id, event.from_status, event.to_status, event.actor, event.note) == (
        order.id, part.id, current, target, "vendor@test.example", "kho số 2")
    assert event.at is not None


@pytest.mark.parametrize(("current", "target"), pairs(order_status.ORDER_TRANSITIONS, ORDER_STATUSES, legal=False))
def test_illegal_order_moves_are_refused_and_change_nothing(current, target):
    order, [part] = make_order(status=current, part_status="processing")
    with pytest.raises(order_status.InvalidTransitionError) as refused:
        order_status.move(order, target, "system")
    assert (refused.value.current, refused.value.target) == (current, target)
    db.session.flush()
    assert order.status == current and events_of(order) == []


@pytest.mark.parametrize(("current", "target"), pairs(order_status.ORDER_TRANSITIONS, ORDER_STATUSES, legal=True))
def test_legal_order_moves_assign_and_write_the_event(current, target):
    order, [part] = make_order(status=current, part_status="processing")
    order_status.move(order, target, "system")
    db.session.flush()
    assert order.status == target and part.status == "processing"
    [event] = events_of(order)
    assert (event.vendor_order_id, event.from_status, event.to_status, event.actor, event.note) == (
        None, current, target, "system", None)


def test_the_refusal_is_a_translated_sentence_naming_both_statuses():
    order, [part] = make_order(status="shipped")
    with force_locale("en"), pytest.raises(order_status.InvalidTransitionError) as refused:
        order_status.move(part, "cancelled", "vendor@test.example")
    assert refused.value.message == "This order cannot go from Shipped to Cancelled."
    with force_locale("vi"), pytest.raises(order_status.InvalidTransitionError) as refused:
        order_status.move(part, "cancelled", "vendor@test.example")
    assert "Đang giao" in refused.value.message and "Đã hủy" in refused.value.message


def test_check_transition_is_the_one_step_table():
    order_status.check_transition("processing", "shipped")
    with pytest.raises(order_status.InvalidTransitionError):
        order_status.check_transition("processing", "delivered")


def test_begin_records_where_a_new_order_starts_and_nothing_else():
    order, _parts = make_order(status="processing", payment_method="cod")
    order_status.begin(order, "an@test.example")
    db.session.flush()
    [event] = events_of(order)
    assert (event.from_status, event.to_status, event.actor) == (None, "processing", "an@test.example")
    shipped, _parts = make_order(status="shipped")
    with pytest.raises(order_status.InvalidTransitionError):
        order_status.begin(shipped, "an@test.example")
    assert events_of(shipped) == []


def test_an_order_jumps_to_delivered_when_its_last_part_arrives(app):
    order, [first, second] = make_order(status="processing", payment_method="cod", parts=2)
    with app.test_request_context():
        for action in ("ship", "deliver"):
            fulfilment.act(first, action, "one@test.example", "VNPost", "EB1VN")
        fulfilment.act(second, "ship", "two@test.example", "VNPost", "EB2VN")
        assert order.status == "processing"
        fulfilment.act(second, "deliver", "two@test.example")
    assert order.status == "delivered"
    assert [(e.from_status, e.to_status) for e in events_of(order) if e.vendor_order_id is None] == [
        ("processing", "delivered")]


def test_a_cancelled_order_stays_cancelled_when_its_parts_are_delivered(app):
    """A customer may cancel an order whose parts are already on their way: the order does not come back."""
    order, [first, second] = make_order(status="cancelled", part_status="shipped", payment_method="cod", parts=2)
    with app.test_request_context():
        fulfilment.act(first, "deliver", "one@test.example")
        fulfilment.act(second, "deliver", "two@test.example")
    assert (first.status, second.status, order.status) == ("delivered", "delivered", "cancelled")


def test_fulfilment_does_not_withdraw_parts_itself():
    order, [part] = make_order(status="paid")
    for action in ("cancel", "refund", "explode"):
        with pytest.raises(Refused):
            fulfilment.act(part, action, "vendor@test.example")
    assert part.status == "paid" and events_of(order) == []


def test_a_refund_stripe_refuses_tells_nobody_and_says_why(app, monkeypatch):
    """The part moves first, then the card is refunded; the customer hears of it only when the refund went through."""
    order, [part] = make_order(status="paid")
    db.session.add(Payment(order_id=order.id, method="card", amount_vnd=order.total_vnd, status="succeeded",
                           stripe_payment_intent="pi_test_1"))
    db.session.commit()
    calls = []
    monkeypatch.setattr(stripe_client, "refund", lambda *args, **kwargs: calls.append((args, kwargs)) or (
        None, "card_declined"))
    with app.test_request_context(), force_locale("en"), pytest.raises(Refused) as refused:
        refunds.settle_part(part, "refund", "vendor@test.example")
    assert refused.value.message == "The refund could not be made: card_declined"
    assert calls == [(("pi_test_1", 130000), {"idempotency_key": f"{order.reference}-part-{part.id}-refund"})]
    assert outbox_messages() == []
    db.session.rollback()  # what every caller does on Refused
    assert db.session.get(VendorOrder, part.id).status == "paid"
    assert db.session.get(Order, order.id).status == "paid"


# Payments -------------------------------------------------------------------------------------------------------

def make_payment(status):
    order, _parts = make_order(status="paid")
    payment = Payment(order_id=order.id, method="card", amount_vnd=order.total_vnd, status=status)
    db.session.add(payment)
    db.session.flush()
    return payment


def payment_events(payment):
    return db.session.scalars(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id)).all()


def test_payment_table_names_every_status_and_refunded_is_final():
    assert set(payment_status.TRANSITIONS) == set(PAYMENT_STATUSES)
    assert payment_status.TRANSITIONS["refunded"] == () and payment_status.TRANSITIONS["failed"] == ()
    assert not {"failed", "expired", "pending", "amount_mismatch"} & set(payment_status.TRANSITIONS["succeeded"])


@pytest.mark.parametrize(("current", "target"), pairs(payment_status.TRANSITIONS, PAYMENT_STATUSES, legal=False))
def test_illegal_payment_moves_are_refused_and_change_nothing(current, target):
    payment = make_payment(current)
    with force_locale("en"), pytest.raises(payment_status.PaymentTransitionError) as refused:
        payment_status.move(payment, target, "stripe")
    assert isinstance(refused.value, Refused)
    assert refused.value.message == f"This payment cannot go from {current} to {target}."
    assert (refused.value.current, refused.value.target) == (current, target)
    db.session.flush()
    assert payment.status == current and payment_events(payment) == []


@pytest.mark.parametrize(("current", "target"), pairs(payment_status.TRANSITIONS, PAYMENT_STATUSES, legal=True))
def test_legal_payment_moves_assign_and_write_the_event(current, target):
    payment = make_payment(current)
    payment_status.move(payment, target, "finance@test.example", "seen on the statement")
    db.session.flush()
    assert payment.status == target
    [event] = payment_events(payment)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        current, target, "finance@test.example", "seen on the statement")
    assert event.at is not None


def test_a_payment_after_expiry_is_recorded_then_refunded():
    payment = make_payment("pending")
    for target in ("expired", "succeeded", "refunded"):
        payment_status.move(payment, target, "stripe")
    db.session.flush()
    assert [(e.from_status, e.to_status) for e in payment_events(payment)] == [
        ("pending", "expired"), ("expired", "succeeded"), ("succeeded", "refunded")]


# Showroom placements --------------------------------------------------------------------------------------------

@pytest.fixture
def showroom():
    room = Showroom(name="Điểm OCOP ga Thái Nguyên", province_code="19", kind="transport_hub")
    db.session.add(room)
    db.session.flush()
    return room


def make_placement(showroom, status):
    placement = Placement(showroom_id=showroom.id, product_id=make_product().id, status=status)
    db.session.add(placement)
    db.session.flush()
    return placement


def audit_of(placement):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "showroom_placement",
                                                       AuditEntry.subject_id == placement.id)).all()


def test_placement_table_names_every_status():
    assert set(showrooms.TRANSITIONS) == set(PLACEMENT_STATUSES)
    targets = {target for moves in (*showrooms.TRANSITIONS.values(), showrooms.START) for target in moves.values()}
    assert targets <= set(PLACEMENT_STATUSES)


@pytest.mark.parametrize(("current", "action"), [(status, action) for status in PLACEMENT_STATUSES
                                                 for action in PLACEMENT_ACTIONS
                                                 if action not in showrooms.TRANSITIONS[status]])
def test_illegal_placement_moves_are_refused_and_change_nothing(showroom, current, action):
    placement = make_placement(showroom, current)
    staff = make_user("showroom_staff", showroom_id=showroom.id)
    with force_locale("en"), pytest.raises(Refused) as refused:
        showrooms.move(placement, action, staff)
    label = {"requested": "Requested", "accepted": "Accepted", "declined": "Declined", "displayed": "On display",
             "removed": "Removed"}[current]
    assert refused.value.message == f"This placement ({label}) cannot be changed that way."
    db.session.flush()
    assert placement.status == current and placement.decided_by_id is None and audit_of(placement) == []


@pytest.mark.parametrize(("current", "action"), [(status, action) for status, moves in showrooms.TRANSITIONS.items()
                                                 for action in moves])
def test_legal_placement_moves_assign_and_write_the_audit_entry(showroom, current, action):
    placement = make_placement(showroom, current)
    user = make_user("showroom_staff", showroom_id=showroom.id)
    target = showrooms.TRANSITIONS[current][action]
    showrooms.move(placement, action, user, "Kệ số 3" if action in showrooms.DECISIONS else None)
    db.session.flush()
    assert placement.status == target
    assert (placement.requested_by_id if action == "request" else placement.decided_by_id) == user.id
    [entry] = audit_of(placement)
    assert entry.action == f"placement.{target}" and entry.before == {"status": current}
    expected = {"status": target, "note": "Kệ số 3"} if action in showrooms.DECISIONS else {"status": target}
    assert entry.after == expected


@pytest.mark.parametrize("action", PLACEMENT_ACTIONS)
def test_a_new_placement_starts_only_as_placed_or_requested(showroom, action):
    user, product = make_user("vendor"), make_product()
    placement = Placement(showroom_id=showroom.id, product_id=product.id)
    db.session.add(placement)
    if action not in showrooms.START:
        with pytest.raises(Refused):
            showrooms.move(placement, action, user)
        return
    showrooms.move(placement, action, user)
    assert placement.status == showrooms.START[action]
    [entry] = audit_of(placement)
    assert entry.before is None and entry.after == {"status": showrooms.START[action]}


@pytest.mark.parametrize("action", ["place", "request"])
def test_staff_decisions_are_only_the_four_buttons(showroom, action):
    placement = make_placement(showroom, "declined")
    with pytest.raises(Refused):
        showrooms.decide(placement, action, make_user("showroom_staff", showroom_id=showroom.id))
    assert placement.status == "declined"


# Only the lifecycles assign a status ----------------------------------------------------------------------------

#: Modules that own a lifecycle: they alone assign ``.status`` (certificates: registry/lifecycle.py).
LIFECYCLE_MODULES = {"marketplace/registry/lifecycle.py"}
#: (module, function) pairs allowed besides: the placement lifecycle's ``move`` lives in the showroom services;
#: membership applications have no transition table yet (pending → approved | rejected, decided in one place, the
#: row locked first).
ALLOWED = {("marketplace/showrooms/services.py", "move"), ("marketplace/accounts/onboarding.py", "decide_application")}


def status_assignments(path):
    """(function name, line) of every assignment to ``<something>.status`` in a module (``self.status`` excepted:
    an object setting its own field, such as an HTTP status)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def targets_of(node):
        if isinstance(node, ast.Assign):
            return node.targets
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            return [node.target]
        return []

    def visit(node, function):
        for target in targets_of(node):
            for leaf in ast.walk(target):
                if (isinstance(leaf, ast.Attribute) and leaf.attr == "status"
                        and not (isinstance(leaf.value, ast.Name) and leaf.value.id == "self")):
                    found.append((function, node.lineno))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"):
            found.append((function, node.lineno))
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            visit(child, name)

    visit(tree, None)
    return found


def test_no_module_but_the_lifecycles_assigns_a_status():
    offenders = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if path.name in ("status.py", "models.py") or relative in LIFECYCLE_MODULES:
            continue
        offenders += [(relative, function, line) for function, line in status_assignments(path)
                      if (relative, function) not in ALLOWED]
    assert offenders == []


def test_the_scan_sees_tuple_assignments_and_setattr(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def f(order, part):\n    order.status, order.reserved_until = 'paid', None\n"
                      "    setattr(part, 'status', 'paid')\n    self.status = 200\n")
    assert status_assignments(module) == [("f", 2), ("f", 3)]


def test_orders_import_nothing_from_payments():
    """Payments is the layer above orders: it may import orders, never the reverse."""
    for path in (ROOT / "marketplace" / "shop" / "orders").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            assert not any(name.startswith("marketplace.payments") for name in names), path


def test_asking_again_after_a_decline_clears_the_staffs_old_note(showroom):
    from datetime import date

    from tests.factories import make_listed

    product = make_listed("Chè búp Tân Cương")
    placement = Placement(showroom_id=showroom.id, product_id=product.id, status="declined", note="Hết chỗ trưng bày")
    db.session.add(placement)
    db.session.flush()
    vendor = make_user("vendor")
    showrooms.request_placement(vendor, product, showroom, date(2026, 11, 23))
    db.session.flush()
    db.session.expire_all()
    again = db.session.get(Placement, placement.id)
    assert again.status == "requested" and again.note is None and again.requested_by_id == vendor.id
