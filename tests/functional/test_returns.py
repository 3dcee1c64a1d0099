"""Returns and complaints: the transition table, deadlines moved by the frozen clock, the deadline job, refunds through
the payment doorway once (Stripe's fake; partial per line; whole parts), cash-on-delivery refunds owed, mail."""

import io
import json
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.core import clock
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.jobs.scheduled import escalate_returns
from marketplace.payments.models import Refund
from marketplace.reports import finance
from marketplace.returns import deadlines, services
from marketplace.returns.models import STATUSES, CaseEvent, CaseLine, CasePhoto, ReturnCase
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment, statements
from marketplace.shop.orders.models import Order, OrderEvent, OrderLine, VendorOrder
from marketplace.shop.orders.statements import StatementEntry
from tests.factories import make_entity, make_listed, make_user
from tests.support.fake_stripe import FakeStripe, event, sign_payload

CHECKOUT = {"name": "Đỗ Minh", "email": "minh@test.example", "phone": "0987000111", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "2 Tràng Tiền"}
SIDES = ("buyer", "vendor", "staff", "system")


@pytest.fixture
def shop(app, client, frozen_clock, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_MEDIA_DIR", str(tmp_path / "cases"))
    monkeypatch.setitem(app.config, "MEDIA_ORIGINALS_DIR", str(tmp_path / "originals"))
    entity = make_entity("HTX Chè Tân Cương")
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=10, entity=entity)
    cake = make_listed("Bánh cốm", price_vnd=50000, stock=10, entity=entity)
    world = {"tea": tea, "cake": cake, "entity": entity, "owner": make_user("vendor", entity=entity),
             "buyer": make_user("customer", email="minh@test.example"), "admin": make_user("admin"),
             "clock": frozen_clock}
    db.session.commit()
    return world


@pytest.fixture
def stripe(app):
    fake = FakeStripe(api_key="sk_test_fake")
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=base, STRIPE_WEBHOOK_SECRET="whsec_t")
        yield fake
    app.config.update(saved)


def delivered_part(client, world, method="cod", stripe=None):
    """Buy 2 tea and 1 cake (one part), pay (card), ship and deliver it; the clock stands an hour after delivery."""
    client.login_as(world["buyer"])
    for key, quantity in (("tea", 2), ("cake", 1)):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == world[key].id))
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": quantity})
    client.post_form("/checkout", {**CHECKOUT, "payment_method": method})
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    if method == "card":
        session_id = next(iter(stripe.sessions))
        payload = json.dumps(event("checkout.session.completed", stripe.complete(session_id))).encode()
        client.post("/webhooks/stripe", data=payload, content_type="application/json",
                    headers={"Stripe-Signature": sign_payload(payload, "whsec_t")})
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    for action in ("confirm", "ship", "deliver")[1 if part.status == "processing" else 0:]:
        fulfilment.act(part, action, "owner@test.example", carrier="VNPost", tracking_number="EB1")
        db.session.commit()
    world["clock"].current = deadlines.delivered_at(part.id).astimezone(clock.TIMEZONE) + timedelta(hours=1)
    return order, part


def line_ids(part):
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)
                               .order_by(OrderLine.unit_price_vnd.desc())).all()
    return lines[0].id, lines[1].id  # tea, cake


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return (io.BytesIO(buffer.getvalue()), name)


def open_case(client, world, part, quantities, kind="complaint", bank="Vietcombank 0123456789 Do Minh", photos=()):
    tea, cake = line_ids(part)
    client.login_as(world["buyer"])
    data = {"csrf_token": client.csrf_token(), "kind": kind, "reason": "damaged", "details": "Hộp bị móp",
            "bank_details": bank, f"qty-{tea}": quantities[0], f"qty-{cake}": quantities[1]}
    if photos:
        data["photos"] = list(photos)
    return client.post(f"/account/returns/new/{part.id}", data=data, content_type="multipart/form-data")


def the_case():
    db.session.expire_all()
    return db.session.scalar(select(ReturnCase).order_by(ReturnCase.id.desc()))


def as_user(client, user):
    client.login_as(user)
    return client


def subjects_to(address):
    return [message["Subject"] for message in outbox_messages() if message["To"] == address]


# The transition table -------------------------------------------------------------------------------------------

@pytest.fixture
def bare_case(client, shop):
    order, part = delivered_part(client, shop)
    assert open_case(client, shop, part, (1, 0)).status_code == 302
    return the_case()


def put(case, status):
    db.session.execute(ReturnCase.__table__.update().where(ReturnCase.id == case.id).values(status=status))
    db.session.expire_all()
    return db.session.get(ReturnCase, case.id)


def test_every_move_the_table_allows_is_made_and_recorded(bare_case):
    allowed = [(current, target, side) for current, targets in services.TRANSITIONS.items()
               for target, sides in targets.items() for side in sides]
    assert len(allowed) == 16 and set(services.TRANSITIONS) == set(STATUSES)
    for current, target, side in allowed:
        case = put(bare_case, current)
        services.move(case, target, f"{side}@test.example", side, "ok")
        assert case.status == target
        last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()))
        assert (last.from_status, last.to_status, last.side, last.actor) == (current, target, side,
                                                                             f"{side}@test.example")


def test_every_other_move_is_refused_and_changes_nothing(bare_case):
    refused = [(current, target, side) for current in STATUSES for target in STATUSES for side in SIDES
               if side not in services.TRANSITIONS[current].get(target, ())]
    events = db.session.scalar(select(func.count()).select_from(CaseEvent))
    for current, target, side in refused:
        case = put(bare_case, current)
        with pytest.raises(services.CaseTransitionError):
            services.move(case, target, "someone@test.example", side)
        assert case.status == current
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == events
    # e.g. a producer cannot decide an escalated case, a buyer cannot refund, nothing leaves "refunded"
    assert ("escalated", "refunded", "vendor") in refused and ("open", "refunded", "buyer") in refused
    assert all(("refunded", target, side) in refused for target in STATUSES for side in SIDES)


def test_a_move_made_meanwhile_is_refused_to_the_slower_caller(bare_case):
    case = db.session.get(ReturnCase, bare_case.id)
    db.session.execute(ReturnCase.__table__.update().where(ReturnCase.id == case.id).values(status="refused"))
    with pytest.raises(services.CaseChangedError):
        services.move(case, "awaiting_return", "v@test.example", "vendor")  # it read "open"; the row says refused


# Opening: the window, one open case, the form ------------------------------------------------------------------

def test_the_window_runs_n_days_after_delivery_then_refuses(app, client, shop):
    order, part = delivered_part(client, shop)
    delivered_day = deadlines.delivered_at(part.id).astimezone(clock.TIMEZONE).date()
    days = app.config["RETURN_WINDOW_DAYS"]
    shop["clock"].set(delivered_day + timedelta(days=days + 1))
    late = open_case(client, shop, part, (1, 0))
    assert late.status_code == 400 and db.session.scalar(select(func.count()).select_from(ReturnCase)) == 0
    assert f"{days}" in late.get_data(as_text=True)
    shop["clock"].set(delivered_day + timedelta(days=days))  # the last day, at noon
    assert open_case(client, shop, part, (1, 0)).status_code == 302
    assert the_case().status == "open"


def test_one_open_case_per_parcel_and_quantities_are_checked(client, shop):
    order, part = delivered_part(client, shop)
    assert open_case(client, shop, part, (3, 0)).status_code == 400  # only 2 bought
    assert open_case(client, shop, part, (0, 0)).status_code == 400  # nothing chosen
    assert open_case(client, shop, part, (2, 1), bank="").status_code == 400  # cash on delivery: bank needed
    assert open_case(client, shop, part, (2, 1), photos=[png_upload(), png_upload("b.png")]).status_code == 302
    assert open_case(client, shop, part, (1, 0)).status_code == 400
    case = the_case()
    assert db.session.scalar(select(func.count()).select_from(ReturnCase)) == 1
    photos = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == case.id)).all()
    assert [photo.status for photo in photos] == ["ready", "ready"]  # the job ran after the commit (inline)
    page = client.get(f"/account/returns/{case.id}").get_data(as_text=True)
    assert photos[0].thumbnail in page
    with client.get(f"/account/returns/{case.id}/photos/{photos[0].filename}") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
    assert client.get(f"/account/returns/{case.id}/photos/{'0' * 32}.webp").status_code == 404
    as_user(client, shop["owner"])
    with client.get(f"/vendor/returns/{case.id}/photos/{photos[1].thumbnail}") as served:
        assert served.status_code == 200
    as_user(client, make_user("vendor", entity=make_entity("HTX khác")))
    db.session.commit()
    assert client.get(f"/vendor/returns/{case.id}/photos/{photos[1].thumbnail}").status_code == 404


def test_a_parcel_not_delivered_cannot_be_returned_and_too_many_photos_are_refused(client, shop):
    order, part = delivered_part(client, shop)
    many = [png_upload(f"{n}.png") for n in range(6)]
    assert open_case(client, shop, part, (1, 0), photos=many).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CasePhoto)) == 0
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert f"/account/returns/new/{part.id}" in page


# Deadlines and the job -----------------------------------------------------------------------------------------

def test_vendor_silence_past_its_days_escalates_by_the_job(app, client, shop, runner):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    opened = shop["clock"].current
    days = app.config["VENDOR_ANSWER_DAYS"]
    shop["clock"].current = opened + timedelta(days=days) - timedelta(minutes=1)
    assert escalate_returns() == (0, 0) and the_case().status == "open"
    shop["clock"].current = opened + timedelta(days=days, minutes=1)
    result = runner.invoke(args=["certificates", "sweep"])  # the daily sweep runs it inline without a queue
    assert "returns escalated: 1" in result.output, result.output
    case = the_case()
    assert case.status == "escalated"
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()))
    assert (last.side, last.actor) == ("system", "system")
    assert escalate_returns() == (0, 0)  # idempotent
    assert len(subjects_to(shop["admin"].email)) == 1 and len(subjects_to("minh@test.example")) >= 2
    as_user(client, shop["owner"])
    assert client.post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "muộn"}).status_code == 302
    assert the_case().status == "escalated"  # too late to answer


def test_a_refusal_may_be_escalated_within_its_days_then_closes(app, client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    as_user(client, shop["owner"])
    assert client.post_form(f"/vendor/returns/{case.id}/refuse", {"reason": ""}).status_code == 302
    assert the_case().status == "open"  # a refusal needs its reason
    client.post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "Hàng đúng mô tả"})
    assert the_case().status == "refused"
    shop["clock"].current += timedelta(days=app.config["ESCALATION_DAYS"], minutes=1)
    as_user(client, shop["buyer"])
    client.post_form(f"/account/returns/{case.id}/escalate?lang=en")
    assert the_case().status == "closed"  # too late: decided now, though the hourly job has not run
    page = client.get(f"/account/returns/{case.id}?lang=en").get_data(as_text=True)
    assert f"The {app.config['ESCALATION_DAYS']} days to ask the platform about this refusal have passed" in page
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()))
    assert (last.to_status, last.side) == ("closed", "system")
    assert escalate_returns() == (0, 0)


def test_a_refusal_escalated_just_in_time_goes_to_the_platform(app, client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "Hàng đúng mô tả"})
    shop["clock"].current += timedelta(days=app.config["ESCALATION_DAYS"], minutes=-1)
    as_user(client, shop["buyer"]).post_form(f"/account/returns/{case.id}/escalate")
    assert the_case().status == "escalated"


def test_a_vendor_answer_past_its_days_escalates_at_once_without_the_job(app, client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    opened = shop["clock"].current
    days = app.config["VENDOR_ANSWER_DAYS"]
    admin_mails = len(subjects_to(shop["admin"].email))
    as_user(client, shop["owner"])
    shop["clock"].current = opened + timedelta(days=days, minutes=1)  # the hourly job has not run yet
    client.post_form(f"/vendor/returns/{case.id}/accept?lang=en", {"resolution": "keep_it"})
    case = the_case()
    assert case.status == "escalated" and case.refund_vnd is None
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    page = client.get(f"/vendor/returns/{case.id}?lang=en").get_data(as_text=True)
    assert f"The {days} days to answer this case have passed" in page
    steps = db.session.execute(select(CaseEvent.to_status, CaseEvent.side).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id)).all()
    assert steps == [("open", "buyer"), ("escalated", "system")]
    assert len(subjects_to(shop["admin"].email)) == admin_mails + 1  # staff hear of it as from the job
    assert escalate_returns() == (0, 0)
    client.post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "muộn"})
    assert the_case().status == "escalated"


def test_a_vendor_refusal_just_in_time_is_taken(app, client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    shop["clock"].current += timedelta(days=app.config["VENDOR_ANSWER_DAYS"], minutes=-1)
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "Hàng đúng mô tả"})
    assert the_case().status == "refused"
    shop["clock"].current += timedelta(minutes=2)  # past the answer deadline, but it was answered
    assert escalate_returns() == (0, 0) and the_case().status == "refused"


# Refunds through the payment doorway -----------------------------------------------------------------------------

def test_keep_it_refunds_the_lines_by_card_once(client, shop, stripe):
    order, part = delivered_part(client, shop, "card", stripe)
    open_case(client, shop, part, (0, 1))
    case = the_case()
    as_user(client, shop["owner"])
    client.post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    client.post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    case = the_case()
    assert case.status == "refunded" and case.refund_vnd == 50000
    assert [refund["amount"] for refund in stripe.refunds.values()] == [50000]
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
    assert db.session.get(VendorOrder, part.id).status == "delivered"  # a part of the part: it stays delivered
    assert any("50.000" in message.get_content() or "50,000" in message.get_content()
               for message in outbox_messages() if message["To"] == "minh@test.example")


def test_staff_refund_part_of_an_escalated_case_per_line(client, shop, stripe):
    order, part = delivered_part(client, shop, "card", stripe)
    tea, cake = line_ids(part)
    open_case(client, shop, part, (2, 1))
    case = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "Không lỗi"})
    as_user(client, shop["buyer"]).post_form(f"/account/returns/{case.id}/escalate")
    assert the_case().status == "escalated"
    as_user(client, shop["admin"])
    assert f"/admin/returns/{case.id}" in client.get("/admin/returns").get_data(as_text=True)
    assert f'name="qty-{cake}"' in client.get(f"/admin/returns/{case.id}").get_data(as_text=True)
    bad = client.post_form(f"/admin/returns/{case.id}/decide", {"decision": "refund", f"qty-{tea}": "x"})
    assert bad.status_code == 400
    client.post_form(f"/admin/returns/{case.id}/decide", {"decision": "refund", f"qty-{tea}": 1, f"qty-{cake}": 0,
                                                          "note": "Một hộp móp"})
    client.post_form(f"/admin/returns/{case.id}/decide", {"decision": "refund", f"qty-{tea}": 2, f"qty-{cake}": 1})
    case = the_case()
    assert case.status == "refunded" and case.refund_vnd == 200000
    assert [refund["amount"] for refund in stripe.refunds.values()] == [200000]
    units = dict(db.session.execute(select(CaseLine.order_line_id, CaseLine.refund_quantity)
                                    .where(CaseLine.case_id == case.id)).all())
    assert units == {tea: 1, cake: 0}
    # a later case may ask only for what was not refunded
    assert open_case(client, shop, part, (2, 0)).status_code == 400
    assert open_case(client, shop, part, (1, 1)).status_code == 302


def test_a_whole_return_refunds_the_part_and_reverses_its_sale(client, shop, stripe):
    order, part = delivered_part(client, shop, "card", stripe)
    open_case(client, shop, part, (2, 1), kind="return")
    case = the_case()
    as_user(client, shop["owner"])
    assert client.post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "send_back"}).status_code == 302
    assert the_case().status == "open"  # no carrier took it: instructions are needed
    client.post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "send_back",
                                                           "instructions": "Gửi bưu điện về HTX"})
    assert the_case().status == "awaiting_return" and not stripe.refunds
    assert f"/vendor/returns/{case.id}/received" in client.get(f"/vendor/returns/{case.id}").get_data(as_text=True)
    client.post_form(f"/vendor/returns/{case.id}/received")
    case = the_case()
    whole = part.subtotal_vnd + part.shipping_vnd
    assert case.status == "refunded" and case.refund_vnd == whole
    assert [refund["amount"] for refund in stripe.refunds.values()] == [whole]
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    kinds = db.session.scalars(select(StatementEntry.kind).where(StatementEntry.vendor_order_id == part.id)).all()
    assert sorted(kinds) == ["refund", "sale"]


def test_cash_on_delivery_refund_is_owed_and_shown_to_finance(client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    case = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    case = the_case()
    assert case.status == "refund_due" and case.refund_vnd == 200000 and case.refund_id is None
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    as_user(client, shop["admin"])
    page = client.get("/admin/returns").get_data(as_text=True)
    assert f"/admin/returns/{case.id}" in page
    assert "Vietcombank 0123456789" in client.get(f"/admin/returns/{case.id}").get_data(as_text=True)
    client.post_form(f"/admin/returns/{case.id}/paid", {"note": ""})
    assert the_case().status == "refund_due"  # the transfer's reference is needed
    client.post_form(f"/admin/returns/{case.id}/paid", {"note": "FT26001"})
    assert the_case().status == "refunded"
    steps = db.session.scalars(select(CaseEvent.to_status).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id)).all()
    assert steps == ["open", "refund_due", "refunded"]
    # cash on delivery, a cooperative: the platform collected nothing and withholds nothing; the commission on
    # the tea given back (5 % of 200.000) is owed back to the producer
    entry = db.session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id,
                                                           StatementEntry.kind == "return"))
    assert (entry.goods_vnd, entry.shipping_vnd, entry.collected_vnd, entry.commission_vnd, entry.withheld_base_vnd,
            entry.vat_vnd, entry.pit_vnd, entry.net_vnd, entry.collected) == (-200000, 0, 0, -10000, 0, 0, 0, 10000,
                                                                                False)


def test_each_side_hears_of_each_step(client, shop):
    order, part = delivered_part(client, shop)
    before = {address: len(subjects_to(address)) for address in ("minh@test.example", shop["owner"].email)}
    open_case(client, shop, part, (1, 0))
    case = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/refuse", {"reason": "Không lỗi"})
    as_user(client, shop["buyer"]).post_form(f"/account/returns/{case.id}/escalate")
    as_user(client, shop["admin"]).post_form(f"/admin/returns/{case.id}/decide",
                                             {"decision": "reject", "note": "Ảnh không cho thấy lỗi"})
    assert the_case().status == "rejected"
    for address in ("minh@test.example", shop["owner"].email):
        mails = subjects_to(address)[before[address]:]
        assert len(mails) == 4 and all(f"{case.id}" in subject for subject in mails)
    page = as_user(client, shop["buyer"]).get(f"/account/returns/{case.id}?lang=en").get_data(as_text=True)
    assert page.count('class="step done"') == 4 and "Ảnh không cho thấy lỗi" in page


# The statement: partial refunds offset, whole refunds owed -------------------------------------------------------

RETURN_FIGURES = ("kind", "period", "reference", "goods_vnd", "shipping_vnd", "collected_vnd", "commission_vnd",
                  "withheld_base_vnd", "vat_vnd", "pit_vnd", "net_vnd", "commission_bp", "vat_bp", "pit_bp")


def test_a_partial_refund_is_offset_on_the_statement_at_the_sale_rates(app, client, shop, stripe, monkeypatch):
    """A household business, paid by card: 2 × 80.000 + 1 × 40.000 = 200.000 of goods delivered on 23 November;
    1 × 80.000 refunded on 1 December, after the rates changed. Reversed at the sale's rates (5 %, 1 %, 0,5 %):
    goods −80.000, collected −80.000, commission −4.000 (5 % of 80.000), withheld base −80.000, VAT −800 (1 %),
    PIT −400 (0,5 %), net −80.000 + 4.000 + 800 + 400 = −74.800, booked in December (the month it happened)."""
    household = make_entity("Hộ kinh doanh Đinh Thị Hoa", entity_type="household_business", tax_code="5400123456")
    world = {**shop, "entity": household, "owner": make_user("vendor", entity=household),
             "tea": make_listed("Trà shan tuyết", price_vnd=80000, stock=10, entity=household),
             "cake": make_listed("Mứt gừng", price_vnd=40000, stock=10, entity=household)}
    db.session.commit()
    order, part = delivered_part(client, world, "card", stripe)
    sale = db.session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id))
    assert (sale.period, sale.goods_vnd, sale.commission_vnd, sale.withheld_base_vnd, sale.vat_vnd,
            sale.pit_vnd) == ("2026-11", 200000, 10000, 200000, 2000, 1000)
    db.session.execute(OrderEvent.__table__.update().where(OrderEvent.vendor_order_id == part.id,
                                                           OrderEvent.to_status == "delivered")
                       .values(at=sale.booked_at))  # events carry the real time; the sale, the frozen clock's
    db.session.commit()
    world["clock"].set(date(2026, 11, 29))  # within the window
    assert open_case(client, world, part, (1, 0)).status_code == 302
    case = the_case()
    world["clock"].set(date(2026, 12, 1))  # within the producer's days
    monkeypatch.setitem(app.config, "COMMISSION_BP", 800)  # later rates do not apply to an earlier sale
    monkeypatch.setitem(app.config, "WITHHOLDING_VAT_BP", 200)
    as_user(client, world["owner"]).post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    as_user(client, world["owner"]).post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    assert the_case().status == "refunded" and [r["amount"] for r in stripe.refunds.values()] == [80000]
    rows = db.session.scalars(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id)
                              .order_by(StatementEntry.id)).all()
    assert [row.kind for row in rows] == ["sale", "return"]
    assert tuple(getattr(rows[1], name) for name in RETURN_FIGURES) == (
        "return", "2026-12", f"{order.reference}-case-{case.id}", -80000, 0, -80000, -4000, -80000, -800, -400,
        -74800, 500, 100, 50)
    assert rows[1].booked_on.isoformat() == "2026-12-01" and rows[1].payment_method == "card"
    # the month's figures: nothing sold, 80.000 refunded, and the tax withheld offset in December
    summary = {row["entity"].id: row for row in finance.summary("2026-12")}[household.id]
    assert (summary["sales_vnd"], summary["refunds_vnd"], summary["commission_vnd"], summary["net_vnd"]) == (
        0, 80000, -4000, -74800)
    withheld = {row["entity"].id: row for row in finance.withholding_report("2026-12")}[household.id]
    assert (withheld["revenue_vnd"], withheld["vat_vnd"], withheld["pit_vnd"]) == (-80000, -800, -400)
    page = as_user(client, world["owner"]).get("/vendor/statement?period=2026-12&lang=en").get_data(as_text=True)
    assert "Partial refund" in page and order.reference in page
    as_user(client, shop["admin"])
    exported = client.get("/admin/statements.csv?period=2026-12").get_data(as_text=True)
    assert f"{order.reference},{part.id},Hộ kinh doanh Đinh Thị Hoa,return,card,yes,-80000,0,-80000,-4000" in exported
    withholding_csv = client.get("/admin/withholding.csv?period=2026-12").get_data(as_text=True)
    assert "-80000,-800,-400" in withholding_csv


def test_a_case_refunds_its_goods_once_on_the_statement(client, shop, stripe):
    order, part = delivered_part(client, shop, "card", stripe)
    open_case(client, shop, part, (1, 0))
    first = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{first.id}/accept", {"resolution": "keep_it"})
    open_case(client, shop, part, (0, 1))
    second = the_case()
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{second.id}/accept", {"resolution": "keep_it"})
    rows = db.session.execute(select(StatementEntry.kind, StatementEntry.reference, StatementEntry.goods_vnd)
                              .where(StatementEntry.vendor_order_id == part.id).order_by(StatementEntry.id)).all()
    assert rows[1:] == [("return", f"{order.reference}-case-{first.id}", -200000),
                        ("return", f"{order.reference}-case-{second.id}", -50000)]
    # booking a case again gives back its entry; a second sale of the part is refused by the database
    again = statements.book_return(db.session, part, [200000], f"{order.reference}-case-{first.id}")
    assert again.reference == f"{order.reference}-case-{first.id}" and again.id is not None
    sale = db.session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id,
                                                          StatementEntry.kind == "sale"))
    db.session.add(StatementEntry(**{column.name: getattr(sale, column.name) for column in
                                     StatementEntry.__table__.columns if column.name != "id"}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_whole_cash_on_delivery_return_tells_the_buyer_the_refund_is_owed(client, shop):
    shop["buyer"].preferred_locale = "en"
    db.session.commit()
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (2, 1))
    case = the_case()
    before = len(outbox_messages())
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{case.id}/accept", {"resolution": "keep_it"})
    assert the_case().status == "refund_due" and db.session.get(VendorOrder, part.id).status == "refunded"
    to_buyer = [message for message in outbox_messages()[before:] if message["To"] == "minh@test.example"]
    order_mail = [message for message in to_buyer if "a refund is owed to you" in message["Subject"]]
    assert len(order_mail) == 1 and "A refund is owed to you for order" in order_mail[0].get_content()
    assert not any("A refund was made" in message.get_content() for message in to_buyer)
    assert any("is owed to you" in message.get_content() for message in to_buyer if message not in order_mail)


# A whole-part refund after a partial case refunds only what is left --------------------------------------------

def household_shop(shop, tea_vnd=80000, cake_vnd=40000):
    """The shop of a household business (VAT and PIT withheld): 2 tea and 1 cake make a 200.000 ₫ part by default."""
    household = make_entity("Hộ kinh doanh Đinh Thị Hoa", entity_type="household_business", tax_code="5400123456")
    world = {**shop, "entity": household, "owner": make_user("vendor", entity=household),
             "tea": make_listed("Trà shan tuyết", price_vnd=tea_vnd, stock=10, entity=household),
             "cake": make_listed("Mứt gừng", price_vnd=cake_vnd, stock=10, entity=household)}
    db.session.commit()
    return world


def entries_sum(part):
    """Each money column summed over the part's statement entries, and the kinds booked in order."""
    rows = db.session.scalars(select(StatementEntry).where(StatementEntry.vendor_order_id == part.id)
                              .order_by(StatementEntry.id)).all()
    return {name: sum(getattr(row, name) for row in rows) for name in statements.AMOUNTS}, [row.kind for row in rows]


def stripe_confirms_refunds(client, stripe, order):
    """Stripe's ``charge.refunded`` with what its intent has refunded so far; returns the webhook's outcome."""
    from marketplace.payments.models import Payment

    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    charge = {"object": "charge", "payment_intent": payment.stripe_payment_intent,
              "amount_refunded": stripe.payment_intents[payment.stripe_payment_intent]["amount_refunded"]}
    body = json.dumps(event("charge.refunded", charge)).encode()
    response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                           headers={"Stripe-Signature": sign_payload(body, "whsec_t")})
    db.session.expire_all()
    return response.get_json()["outcome"], db.session.get(Payment, payment.id).status


@pytest.mark.parametrize("who", ["vendor", "staff"])
def test_refunding_a_part_after_a_partial_case_refunds_only_what_is_left(client, shop, stripe, who):
    """200.000 ₫ of goods paid by card; a case refunds 1 tea (80.000); the producer (or staff) then refunds the part:
    Stripe is asked for the 120.000 left and the shipping, and the part's statement entries cancel out."""
    world = household_shop(shop)
    order, part = delivered_part(client, world, "card", stripe)
    assert part.subtotal_vnd == 200000
    open_case(client, world, part, (1, 0))
    as_user(client, world["owner"]).post_form(f"/vendor/returns/{the_case().id}/accept", {"resolution": "keep_it"})
    assert [refund["amount"] for refund in stripe.refunds.values()] == [80000]
    if who == "vendor":
        response = as_user(client, world["owner"]).post_form(f"/vendor/orders/{part.id}/refund")
    else:
        response = as_user(client, world["admin"]).post_form(f"/admin/orders/{order.reference}/refund")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    assert [refund["amount"] for refund in stripe.refunds.values()] == [80000, 120000 + part.shipping_vnd]
    assert sum(refund["amount"] for refund in stripe.refunds.values()) == order.total_vnd
    sums, kinds = entries_sum(part)
    assert kinds == ["sale", "return", "refund"]
    assert sums == dict.fromkeys(statements.AMOUNTS, 0)
    assert stripe_confirms_refunds(client, stripe, order) == ("refunded in full", "refunded")
    # refunding again asks nothing more
    as_user(client, world["owner"]).post_form(f"/vendor/orders/{part.id}/refund")
    assert len(stripe.refunds) == 2


def test_a_whole_case_after_a_partial_case_refunds_the_rest_and_balances_the_statement(client, shop, stripe):
    """Odd prices round per line: a first case refunds 1 tea, a second the other tea and the cake (everything left,
    so the part itself is refunded, with its shipping): the refund entry still balances to the đồng."""
    world = household_shop(shop, tea_vnd=80_050, cake_vnd=39_900)
    order, part = delivered_part(client, world, "card", stripe)
    open_case(client, world, part, (1, 0))
    first = the_case()
    as_user(client, world["owner"]).post_form(f"/vendor/returns/{first.id}/accept", {"resolution": "keep_it"})
    assert open_case(client, world, part, (1, 1)).status_code == 302
    second = the_case()
    as_user(client, world["owner"]).post_form(f"/vendor/returns/{second.id}/accept", {"resolution": "keep_it"})
    second = the_case()
    rest = 80_050 + 39_900 + part.shipping_vnd
    assert second.status == "refunded" and second.refund_vnd == rest
    assert [refund["amount"] for refund in stripe.refunds.values()] == [80_050, rest]
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    sums, kinds = entries_sum(part)
    assert kinds == ["sale", "return", "refund"] and sums == dict.fromkeys(statements.AMOUNTS, 0)
    assert stripe_confirms_refunds(client, stripe, order) == ("refunded in full", "refunded")


def test_a_whole_cash_case_after_a_partial_one_owes_only_the_rest(client, shop):
    order, part = delivered_part(client, shop)
    open_case(client, shop, part, (1, 0))
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{the_case().id}/accept", {"resolution": "keep_it"})
    open_case(client, shop, part, (1, 1))
    as_user(client, shop["owner"]).post_form(f"/vendor/returns/{the_case().id}/accept", {"resolution": "keep_it"})
    case = the_case()
    assert case.status == "refund_due" and case.refund_vnd == 250000 + part.shipping_vnd
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    sums, kinds = entries_sum(part)
    assert kinds == ["sale", "return", "refund"] and sums == dict.fromkeys(statements.AMOUNTS, 0)


# A producer's own refund of a part not paid online: the buyer is told the refund is owed ------------------------

def order_mail_to_buyer(before):
    return [message for message in outbox_messages()[before:] if message["To"] == "minh@test.example"]


def test_a_producer_refunding_a_delivered_cash_part_tells_the_buyer_it_is_owed(client, shop):
    shop["buyer"].preferred_locale = "en"
    db.session.commit()
    order, part = delivered_part(client, shop)
    before = len(outbox_messages())
    assert as_user(client, shop["owner"]).post_form(f"/vendor/orders/{part.id}/refund").status_code == 302
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    mails = order_mail_to_buyer(before)
    assert [message["Subject"] for message in mails] == [f"Order {order.reference}: a refund is owed to you"]
    assert "A refund was made" not in mails[0].get_content()
    assert "A refund is owed to you for order" in mails[0].get_content()


def test_a_producer_refunding_a_part_paid_by_bank_transfer_tells_the_buyer_it_is_owed(app, client, shop,
                                                                                       monkeypatch):
    from marketplace.payments import services as payments
    from marketplace.payments.models import Payment

    for name, value in (("BANK_TRANSFER_BIN", "970436"), ("BANK_TRANSFER_ACCOUNT", "0123456789")):
        monkeypatch.setitem(app.config, name, value)
    shop["buyer"].preferred_locale = "en"
    db.session.commit()
    client.login_as(shop["buyer"])
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == shop["tea"].id))
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    client.post_form("/checkout", {**CHECKOUT, "payment_method": "bank_transfer"})
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    payments.confirm_transfer(db.session.scalar(select(Payment).where(Payment.order_id == order.id)), shop["admin"])
    db.session.commit()
    part = db.session.scalar(select(VendorOrder).where(VendorOrder.order_id == order.id))
    assert part.status == "paid"
    before = len(outbox_messages())
    assert as_user(client, shop["owner"]).post_form(f"/vendor/orders/{part.id}/refund").status_code == 302
    assert db.session.get(VendorOrder, part.id).status == "refunded"
    mails = order_mail_to_buyer(before)
    assert [message["Subject"] for message in mails] == [f"Order {order.reference}: a refund is owed to you"]
    assert "A refund was made" not in mails[0].get_content()
