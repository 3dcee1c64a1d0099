"""A case's refund under real concurrency (PostgreSQL, threads released together by a barrier): the decision sent
twice (or three times) at once, the producer's "keep it" sent twice, and the producer answering late as the deadline
job escalates. Whatever the interleaving, the provider refunds once, one event says so, the statement offsets the
goods once, and nobody sees a 500."""

import json

import pytest
from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.jobs.scheduled import escalate_returns
from marketplace.payments.models import Refund
from marketplace.returns import deadlines
from marketplace.returns.models import CaseEvent, ReturnCase
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.statements import StatementEntry
from tests.factories import make_entity, make_listed, make_user
from tests.integration.test_status_races import race, signed_in
from tests.support.fake_stripe import FakeStripe, event, sign_payload

ROUNDS = 3
CHECKOUT = {"name": "Lê Văn Cường", "phone": "0912345678", "province": "48", "ward": "Phường Hải Châu",
            "address": "1 Bạch Đằng", "email": "cuong@test.example"}


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises writers)")


@pytest.fixture
def stripe(app):
    fake = FakeStripe(api_key="sk_test_fake")
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET="whsec_r")
        yield fake
    app.config.update(saved)


@pytest.fixture
def shop(client, frozen_clock):
    entity = make_entity("HTX Chè")
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=100, entity=entity)
    world = {"listing_id": db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id)),
             "owner": make_user("vendor", entity=entity), "buyer": make_user("customer", email="cuong@test.example"),
             "admin": make_user("admin"), "clock": frozen_clock}
    db.session.commit()
    return world


def card_case(client, shop, stripe):
    """A delivered card order of 2 tea and an open case about 1 of them; the case's id and its line's id."""
    client.login_as(shop["buyer"])
    client.post_form("/cart/add", {"listing_id": shop["listing_id"], "quantity": 2})
    client.post_form("/checkout", {**CHECKOUT, "payment_method": "card"})
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    session_id = list(stripe.sessions)[-1]
    payload = json.dumps(event("checkout.session.completed", stripe.complete(session_id))).encode()
    client.post("/webhooks/stripe", data=payload, content_type="application/json",
                headers={"Stripe-Signature": sign_payload(payload, "whsec_r")})
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    for action in ("confirm", "ship", "deliver"):
        fulfilment.act(part, action, "owner@test.example", carrier="VNPost", tracking_number="EB1")
        db.session.commit()
    shop["clock"].current = deadlines.delivered_at(part.id).astimezone(clock.TIMEZONE)
    line_id = db.session.scalar(select(OrderLine.id).where(OrderLine.vendor_order_id == part.id))
    client.login_as(shop["buyer"])
    response = client.post_form(f"/account/returns/new/{part.id}", {"kind": "complaint", "reason": "damaged",
                                                                    "details": "Vỡ", f"qty-{line_id}": "1"})
    assert response.status_code == 302
    return db.session.scalar(select(ReturnCase.id).order_by(ReturnCase.id.desc())), line_id


def post_as(user_id, url, data):
    return signed_in(user_id), lambda client, token: client.post(url, data={"csrf_token": token, **data})


def refunds_of(case_id):
    return db.session.scalar(select(func.count()).select_from(Refund).where(
        Refund.idempotency_key.like(f"%-case-{case_id}")))


def refunded_events(case_id):
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.to_status == "refunded"))


def return_entries(case_id):
    """The statement entries booked for the case's partial refund."""
    return db.session.execute(select(StatementEntry.kind, StatementEntry.goods_vnd).where(
        StatementEntry.reference.like(f"%-case-{case_id}"))).all()


def test_a_decision_submitted_at_once_refunds_once(app, client, shop, stripe):
    for _ in range(ROUNDS):
        case_id, line_id = card_case(client, shop, stripe)
        db.session.execute(ReturnCase.__table__.update().where(ReturnCase.id == case_id)
                           .values(status="escalated"))  # as if refused, then escalated by the buyer
        db.session.commit()
        before = len(stripe.refunds)
        decide = post_as(shop["admin"].id, f"/admin/returns/{case_id}/decide",
                         {"decision": "refund", f"qty-{line_id}": "1"})
        responses = race(app, [decide] * 3)
        assert [r.status_code for r in responses] == [302] * 3
        assert len(stripe.refunds) == before + 1
        assert refunds_of(case_id) == 1 and refunded_events(case_id) == 1
        assert db.session.get(ReturnCase, case_id).refund_vnd == 150000
        assert return_entries(case_id) == [("return", -150000)]  # offset once on the statement


def test_keep_it_sent_twice_refunds_once(app, client, shop, stripe):
    for _ in range(ROUNDS):
        case_id, _line_id = card_case(client, shop, stripe)
        before = len(stripe.refunds)
        accept = post_as(shop["owner"].id, f"/vendor/returns/{case_id}/accept", {"resolution": "keep_it"})
        responses = race(app, [accept, accept])
        assert [r.status_code for r in responses] == [302, 302]
        assert len(stripe.refunds) == before + 1 and refunds_of(case_id) == 1 and refunded_events(case_id) == 1
        assert return_entries(case_id) == [("return", -150000)]


def test_a_late_answer_racing_the_deadline_job_escalates_once(app, client, shop, stripe):
    """Past the deadline the answer is not taken: the producer's request and the job both escalate the case,
    whichever locks it first; the other finds it escalated."""
    for _ in range(ROUNDS):
        case_id, _line_id = card_case(client, shop, stripe)
        db.session.execute(ReturnCase.__table__.update().where(ReturnCase.id == case_id)
                           .values(answer_due_at=deadlines.now()))  # due now: too late to answer
        db.session.commit()
        before = len(stripe.refunds)
        accept = post_as(shop["owner"].id, f"/vendor/returns/{case_id}/accept", {"resolution": "keep_it"})
        job = (lambda client: None, lambda client, _state: escalate_returns())
        responses = race(app, [accept, job])
        assert responses[0].status_code == 302 and responses[1] in ((0, 0), (1, 0))
        assert db.session.get(ReturnCase, case_id).status == "escalated" and len(stripe.refunds) == before
        escalations = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.to_status == "escalated"))
        assert escalations == 1 and return_entries(case_id) == []
