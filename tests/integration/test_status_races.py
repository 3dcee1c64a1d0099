"""Status changes under real concurrency (PostgreSQL, threads released together by a barrier).

Each race is run several times. Whatever the interleaving: money and stock change once per event, the loser
is told what happened (never a 500), and orders end in one consistent state.
"""

import json
import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.payments.models import Payment
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderEvent
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_stripe import FakeStripe, event, sign_payload

KEY, SECRET = "sk_test_fake", "whsec_race_secret"
CONTACT = {"name": "Lê Văn Cường", "phone": "0912345678", "province": "48", "ward": "Phường Hải Châu",
           "address": "1 Bạch Đằng"}
ROUNDS = 4


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises writers); make test runs both")


def race(app, calls):
    """Run each ``call(client)`` in its own thread and app context, all released at once; return responses."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, prepare, act):
        with app.app_context():
            client = app.test_client()
            state = prepare(client)
            db.session.remove()  # give the connection back: the pool holds fewer than the threads
            barrier.wait(timeout=30)
            try:
                results[index] = act(client, state)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    return results


def signed_in(user_id):
    """A ``prepare`` step: sign the thread's client in as ``user_id`` and fetch a CSRF token."""
    def prepare(client):
        client.login_as(db.session.get(User, user_id))
        return client.csrf_token()
    return prepare


def post_as(user_id, url):
    return signed_in(user_id), lambda client, token: client.post(url, data={"csrf_token": token})


def place(client, buyer, listing_id, quantity, method):
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": quantity})
    response = client.post_form("/checkout", {**CONTACT, "email": buyer.email, "payment_method": method})
    # a card order is sent on to Stripe by a page of ours (200: the CSP's form-action), the others are redirected
    assert response.status_code == (200 if method == "card" else 302), response.get_data(as_text=True)[:500]
    return db.session.scalar(select(Order).where(Order.email == buyer.email).order_by(Order.id.desc()))


def stock_of(listing_id):
    return db.session.scalar(select(Listing.stock).where(Listing.id == listing_id))


def cancellations(order):
    return db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.vendor_order_id.is_(None), OrderEvent.to_status == "cancelled"))


@pytest.fixture
def shop(app, client, frozen_clock):
    tea = make_listed("Chè Tân Cương", price_vnd=150000, stock=50, entity=make_entity("HTX Chè"))
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    buyer = make_user("customer", email="cuong@test.example")
    admin = make_user("admin", email="admin@test.example")
    db.session.commit()
    return listing_id, buyer, admin


def test_double_cancel_returns_the_stock_once(app, client, shop):
    listing_id, buyer, _admin = shop
    for _ in range(ROUNDS):
        order = place(client, buyer, listing_id, 2, "cod")
        before = stock_of(listing_id)
        responses = race(app, [post_as(buyer.id, f"/orders/{order.reference}/cancel")] * 2)
        assert [r.status_code for r in responses] == [302, 302]
        assert stock_of(listing_id) == before + 2
        assert cancellations(order) == 1


def test_parallel_admin_refunds_return_the_stock_once(app, client, shop):
    listing_id, buyer, admin = shop
    for _ in range(ROUNDS):
        order = place(client, buyer, listing_id, 3, "cod")
        before = stock_of(listing_id)
        responses = race(app, [post_as(admin.id, f"/admin/orders/{order.reference}/refund")] * 3)
        assert all(r.status_code == 302 for r in responses)
        assert stock_of(listing_id) == before + 3
        refunded = db.session.scalar(select(func.count()).select_from(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.vendor_order_id.is_(None), OrderEvent.to_status == "refunded"))
        assert refunded == 1


@pytest.fixture
def stripe_on(app):
    fake = FakeStripe(api_key=KEY)
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET=SECRET)
        yield fake
        app.config.update(saved)


def webhook(payload_event):
    body = json.dumps(payload_event).encode()
    headers = {"Stripe-Signature": sign_payload(body, SECRET)}
    return (lambda client: None,
            lambda client, _: client.post("/webhooks/stripe", data=body, content_type="application/json",
                                          headers=headers))


def card_order(client, fake, buyer, listing_id):
    order = place(client, buyer, listing_id, 1, "card")
    session_id = db.session.scalar(select(Payment.stripe_session_id).where(Payment.order_id == order.id))
    return order, session_id


def test_payment_racing_the_customers_cancel_ends_consistent(app, client, shop, stripe_on):
    listing_id, buyer, _admin = shop
    fake = stripe_on
    for _ in range(ROUNDS):
        order, session_id = card_order(client, fake, buyer, listing_id)
        before = stock_of(listing_id)
        completed = event("checkout.session.completed", fake.complete(session_id))
        responses = race(app, [webhook(completed), post_as(buyer.id, f"/orders/{order.reference}/cancel")])
        assert responses[0].status_code == 200 and responses[1].status_code == 302
        order = db.session.get(Order, order.id)
        payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
        if order.status == "cancelled":  # cancelled: the money went back, the stock too
            assert payment.status == "refunded"
            assert stock_of(listing_id) == before + 1
        else:  # paid: the cancel lost and said so; the stock stays sold
            assert order.status == "paid" and payment.status == "succeeded"
            assert stock_of(listing_id) == before


def test_completed_racing_expired_keeps_a_paid_order_and_its_stock(app, client, shop, stripe_on):
    listing_id, buyer, _admin = shop
    fake = stripe_on
    for _ in range(ROUNDS):
        order, session_id = card_order(client, fake, buyer, listing_id)
        before = stock_of(listing_id)
        completed = event("checkout.session.completed", fake.complete(session_id))
        expired = event("checkout.session.expired", {**completed["data"]["object"], "status": "expired",
                                                     "payment_status": "unpaid"})
        responses = race(app, [webhook(completed), webhook(expired)])
        assert [r.status_code for r in responses] == [200, 200]
        order = db.session.get(Order, order.id)
        payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
        assert (order.status, payment.status) in {("paid", "succeeded"), ("cancelled", "refunded")}
        assert stock_of(listing_id) == (before if order.status == "paid" else before + 1)


def test_a_basket_submitted_twice_at_once_makes_one_order(app, client, frozen_clock):
    """Ten buyers each double-tap "Place order": ten orders, and both taps of a buyer land on the same one."""
    tea = make_listed("Chè Thái Nguyên", price_vnd=150000, stock=100, entity=make_entity("HTX Chè Tân Cương"))
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    buyers = [make_user("customer") for _ in range(10)]
    db.session.commit()
    tokens = {}
    for buyer in buyers:  # each buyer fills the basket and opens the checkout page (one form, one token)
        client.login_as(buyer)
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 2})
        page = client.get("/checkout").get_data(as_text=True)
        tokens[buyer.id] = page.split('name="submission" type="hidden" value="')[1].split('"')[0]

    def submit(user_id):
        def act(client, csrf):
            user = db.session.get(User, user_id)
            return client.post("/checkout", data={**CONTACT, "email": user.email, "payment_method": "cod",
                                                  "csrf_token": csrf, "submission": tokens[user_id]})
        return signed_in(user_id), act

    responses = race(app, [submit(buyer.id) for buyer in buyers for _ in range(2)])
    assert all(r.status_code == 302 for r in responses), [r.status_code for r in responses]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 10
    for first, second in zip(responses[::2], responses[1::2], strict=True):
        assert first.headers["Location"] == second.headers["Location"]
        assert "/orders/OCOP-" in first.headers["Location"]
    assert stock_of(listing_id) == 100 - 10 * 2


def test_two_officers_deciding_one_application_at_once_decide_it_once(app, client, frozen_clock):
    from marketplace.accounts import onboarding
    from marketplace.accounts.models import EntityApplication, VendorMembership
    from marketplace.core.audit import AuditEntry

    first = make_user("officer", province_code="19", email="officer-a@test.example")
    second = make_user("officer", province_code="19", email="officer-b@test.example")
    db.session.commit()
    for round_number in range(ROUNDS):
        applicant = make_user(email=f"applicant{round_number}@test.example")
        application = onboarding.apply_for_entity(applicant, f"HTX Miến dong Na Rì {round_number}", "cooperative",
                                                  f"47001234{round_number:02d}", "19", "xã Côn Minh", "0912345678")
        db.session.commit()
        url = f"/officer/applications/{application.id}"

        def decide(officer_id, decision, url=url):
            def act(client, token):
                return client.post(url, data={"csrf_token": token, "decision": decision,
                                              "reason": "Chưa có trong danh sách OCOP"})
            return signed_in(officer_id), act

        answers = race(app, [decide(first.id, "approve"), decide(second.id, "reject")])
        assert sorted(answer.status_code for answer in answers) == [302, 400], [a.status_code for a in answers]
        loser = next(answer for answer in answers if answer.status_code == 400)
        assert "Hồ sơ đăng ký này đã được xử lý." in loser.get_data(as_text=True)  # told why, in Vietnamese
        decided = db.session.get(EntityApplication, application.id)
        owners = db.session.scalar(select(func.count()).select_from(VendorMembership).where(
            VendorMembership.user_id == applicant.id))
        assert owners == (1 if decided.status == "approved" else 0)
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("application.approved", "application.rejected")),
            AuditEntry.subject_id == application.id))
        assert entries == 1


def test_two_staff_deciding_one_placement_at_once_move_it_once(app, client, frozen_clock):
    from marketplace.core.audit import AuditEntry
    from marketplace.showrooms.models import Placement, Showroom
    from tests.factories import make_product

    room = Showroom(name="Điểm OCOP ga Thái Nguyên", province_code="19", kind="transport_hub")
    db.session.add(room)
    db.session.flush()
    first = make_user("showroom_staff", showroom_id=room.id, email="staff-a@test.example")
    second = make_user("showroom_staff", showroom_id=room.id, email="staff-b@test.example")
    db.session.commit()
    for _ in range(ROUNDS):
        placement = Placement(showroom_id=room.id, product_id=make_product().id, status="requested")
        db.session.add(placement)
        db.session.commit()
        base = f"/showroom/{room.id}/placements/{placement.id}"
        answers = race(app, [post_as(first.id, f"{base}/accept"), post_as(second.id, f"{base}/decline")])
        assert [answer.status_code for answer in answers] == [302, 302]  # the loser is told on the page it returns to
        decisions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_type == "showroom_placement", AuditEntry.subject_id == placement.id)).all()
        assert len(decisions) == 1, decisions  # one move: accepted or declined, never both in turn
        assert f"placement.{db.session.get(Placement, placement.id).status}" == decisions[0]


def test_one_invitation_accepted_twice_at_once_makes_one_membership(app, client, frozen_clock):
    import re

    from marketplace.accounts import onboarding
    from marketplace.accounts.models import VendorMembership
    from marketplace.core.mail import outbox_messages
    from marketplace.registry.models import Entity

    for round_number in range(ROUNDS):
        entity = make_entity(f"HTX Chè {round_number}")
        owner = make_user("vendor", email=f"owner{round_number}@test.example", entity=entity)
        staff = make_user("customer", email=f"staff{round_number}@test.example")
        onboarding.invite_staff(owner, db.session.get(Entity, entity.id), staff.email)
        db.session.commit()
        link = re.search(r"http://localhost(/invitations/\S+)", outbox_messages()[-1].get_content()).group(1)
        answers = race(app, [post_as(staff.id, link), post_as(staff.id, link)])
        assert all(answer.status_code < 500 for answer in answers), [answer.status_code for answer in answers]
        assert sorted(answer.status_code for answer in answers) == [302, 400]  # one joins, one is told why
        memberships = db.session.scalar(select(func.count()).select_from(VendorMembership).where(
            VendorMembership.user_id == staff.id))
        assert memberships == 1
