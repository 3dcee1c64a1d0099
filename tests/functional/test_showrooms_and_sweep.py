"""Showroom staff keep valid products on their shelves; the daily sweep reminds and warns exactly once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.registry.models import Certificate, CertificateReminder
from marketplace.showrooms.models import Placement, Showroom, ShowroomNotice
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user

TODAY = date(2026, 11, 23)


@pytest.fixture
def shelf(frozen_clock):
    showroom = Showroom(name="Điểm OCOP ga Thái Nguyên", province_code="19", kind="transport_hub")
    db.session.add(showroom)
    db.session.flush()
    entity = make_entity("HTX Trà Khe Cốc", province_code="19")
    products = {}
    for name, valid_from, valid_until, status in [
        ("Chè La Bằng", date(2025, 1, 1), None, "active"),
        ("Chè sắp hết hạn", date(2023, 12, 23), TODAY + timedelta(days=30), "active"),
        ("Chè bị thu hồi", date(2025, 2, 1), None, "revoked"),
        ("Chè hết hạn", date(2022, 1, 1), TODAY - timedelta(days=3), "active"),
    ]:
        product = make_product(name, entity=entity)
        extra = {"revoked_on": date(2026, 10, 1), "revocation_reason": "c) vi phạm an toàn thực phẩm"} \
            if status == "revoked" else {}
        make_certificate(product, valid_from=valid_from, valid_until=valid_until, status=status, **extra)
        make_listing(product)
        db.session.add(Placement(showroom_id=showroom.id, product_id=product.id, status="displayed"))
        products[name] = product
    staff = make_user("showroom_staff", showroom_id=showroom.id, email="staff@test.example")
    owner = make_user("vendor", entity=entity, email="owner@test.example")
    db.session.commit()
    return {"showroom": showroom, "products": products, "staff": staff, "owner": owner, "entity": entity}


def test_shelf_is_sorted_by_urgency_with_flags(client, shelf):
    client.login_as(shelf["staff"])
    page = client.get(f"/showroom/{shelf['showroom'].id}").get_data(as_text=True)
    shelf_part = page.split('class="data-table shelf"')[1]
    order = [name for name in ("Chè bị thu hồi", "Chè hết hạn", "Chè sắp hết hạn", "Chè La Bằng")]
    positions = [shelf_part.index(name) for name in order]
    assert positions == sorted(positions)
    assert "flag-revoked" in shelf_part and "flag-expiring" in shelf_part
    csv = client.get(f"/showroom/{shelf['showroom'].id}/shelf.csv").get_data(as_text=True)
    assert csv.splitlines()[1].startswith("Chè bị thu hồi") and ",revoked," in csv.splitlines()[1]


def test_lookup_by_code_number_and_name_flags_revoked(client, shelf):
    client.login_as(shelf["staff"])
    revoked = shelf["products"]["Chè bị thu hồi"]
    code = client.get(f"/api/v1/products/{revoked.id}").get_json()["certificate"]["code"]
    for query in (code.lower(), "chè bị thu"):
        page = client.get(f"/showroom/{shelf['showroom'].id}", query_string={"q": query}).get_data(as_text=True)
        results = page.split('class="data-table lookup-results"')[1].split("</table>")[0]
        assert "flag-revoked" in results and "vi phạm an toàn thực phẩm" in results


def test_requests_are_accepted_or_declined_and_invalid_products_stay_off(client, shelf):
    newcomer = make_product("Mật ong Võ Nhai", entity=shelf["entity"])
    make_certificate(newcomer, valid_from=date(2026, 1, 1))
    make_listing(newcomer)
    db.session.commit()
    client.login_as(shelf["owner"])
    client.post_form("/vendor/placements", {"product_id": newcomer.id, "showroom_id": shelf["showroom"].id})
    placement = db.session.scalar(select(Placement).where(Placement.product_id == newcomer.id))
    assert placement.status == "requested"
    expired = shelf["products"]["Chè hết hạn"]
    client.post_form("/vendor/placements", {"product_id": expired.id, "showroom_id": shelf["showroom"].id})
    client.login_as(shelf["staff"])
    client.post_form(f"/showroom/{shelf['showroom'].id}/placements/{placement.id}/accept", {"note": "Kệ số 3"})
    assert db.session.get(Placement, placement.id).status == "accepted"
    again = client.post_form(f"/showroom/{shelf['showroom'].id}/placements/{placement.id}/accept")
    assert again.status_code == 302 and db.session.get(Placement, placement.id).status == "accepted"
    client.post_form(f"/showroom/{shelf['showroom'].id}/placements/{placement.id}/display")
    assert db.session.get(Placement, placement.id).status == "displayed"
    revoked = shelf["products"]["Chè bị thu hồi"]
    placement_revoked = db.session.scalar(select(Placement).where(Placement.product_id == revoked.id))
    client.post_form(f"/showroom/{shelf['showroom'].id}/placements/{placement_revoked.id}/remove")
    client.post_form(f"/showroom/{shelf['showroom'].id}/shelf", {"product_id": revoked.id})
    assert db.session.get(Placement, placement_revoked.id).status == "removed"  # refused: not valid


def test_sweep_sends_each_reminder_and_notice_once(runner, shelf):
    first = runner.invoke(args=["certificates", "sweep", "--today", "2026-11-23"])
    assert first.exit_code == 0, first.output
    assert "reminders sent: 1, showroom notices: 2" in first.output
    second = runner.invoke(args=["certificates", "sweep", "--today", "2026-11-23"])
    assert "reminders sent: 0, showroom notices: 0" in second.output
    assert db.session.scalar(select(func.count()).select_from(CertificateReminder)) == 1
    assert db.session.scalar(select(func.count()).select_from(ShowroomNotice)) == 2
    recipients = sorted(message["To"] for message in outbox_messages())
    assert recipients == ["owner@test.example", "staff@test.example", "staff@test.example"]
    assert db.session.scalar(select(CertificateReminder.days_before)) == 30


@pytest.mark.parametrize(("days_left", "stage"), [(200, None), (180, 180), (150, 180), (120, 120), (31, 120),
                                                  (30, 30), (1, 30), (0, 0), (-1, None)])
def test_reminder_stages(days_left, stage):
    from marketplace.jobs.sweep import reminder_stage

    assert reminder_stage(days_left) == stage


def test_sweep_stages_over_time(runner, shelf):
    product = make_product("Chè mới", entity=shelf["entity"])
    make_certificate(product, valid_from=date(2024, 1, 1), valid_until=date(2027, 6, 1))
    db.session.commit()
    for day in ("2026-12-03", "2026-12-04", "2027-02-01", "2027-05-02", "2027-06-01", "2027-06-02"):
        runner.invoke(args=["certificates", "sweep", "--today", day])
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    sent = sorted(db.session.scalars(select(CertificateReminder.days_before).where(
        CertificateReminder.certificate_id == certificate.id)), reverse=True)
    assert sent == [180, 120, 30, 0]
