"""Statements and payouts, with the tax withheld for households (Decree 117/2025/NĐ-CP), on a hand-computed fixture.

Rates: commission 5 % of goods (rounded down per vendor order), VAT 1 % and PIT 0.5 % of each line's goods
(rounded half up per line). Every figure below was computed by hand from the prices; none is computed by the code
under test. Parts are delivered and refunded through the real services (``fulfilment.act``, ``refunds.settle_part``).

In November 2026 (Vietnam), delivered:
  A  card, household:        2 × 100.050 + 1 × 33.350, ship 30.000 → goods 233.450, collected 263.450,
                             commission 11.672, VAT 2.001 + 334 = 2.335, PIT 1.001 + 167 = 1.168, net 248.275
  B  bank transfer, mixed basket:
       household part:       1 × 33.350, ship 30.000 → collected 63.350, commission 1.667, VAT 334, PIT 167,
                             net 61.182
       cooperative part:     1 × 200.000, ship 30.000 → collected 230.000, commission 10.000, no tax, net 220.000
  C  cash on delivery, household: 1 × 100.050, ship 30.000 → collected 0, commission 5.002, no tax, net −5.002
  D  card, enterprise:       1 × 455.555, ship 30.000 → collected 485.555, commission 22.777, no tax, net 462.778
  E  bank transfer, household: 3 × 33.350, ship 30.000 → goods 100.050, collected 130.050, commission 5.002,
                             VAT 1.001, PIT 500, net 123.547
In December 2026, E is refunded: every figure of E reversed.
"""

import csv
import io
import itertools
import re
from datetime import date, time

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.core.tabular import FORMULA_STARTS
from marketplace.extensions import db
from marketplace.payments import payouts, refunds
from marketplace.payments.payouts import Payout, PayoutRefused
from marketplace.registry.models import Entity
from marketplace.reports import finance
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.statements import StatementEntry
from tests.factories import make_entity, make_user
from tests.functional.test_export_safety import HOSTILE, assert_xlsx_safe, csv_cells

NOVEMBER, DECEMBER = date(2026, 11, 20), date(2026, 12, 3)
_references = itertools.count(1)
FIGURES = ("kind", "period", "goods_vnd", "shipping_vnd", "collected_vnd", "commission_vnd", "withheld_base_vnd",
           "vat_vnd", "pit_vnd", "net_vnd")


def make_order(method, parts):
    """An order as checkout leaves it (paid online, or cash on delivery being prepared); ``parts`` is
    ``[(entity, [(product, unit price, quantity)], shipping)]``. Returns its parts."""
    subtotal = sum(price * quantity for _entity, lines, _ship in parts for _name, price, quantity in lines)
    shipping = sum(ship for *_rest, ship in parts)
    status = "processing" if method == "cod" else "pending_payment"
    order = Order(reference=f"OCOP-261120-{next(_references):04d}", email="an@test.example", name="Nguyễn Văn An",
                  phone="0912345678", province_code="79", ward="Phường Bến Nghé", address="12 Lê Lợi", status=status,
                  payment_method=method, subtotal_vnd=subtotal, shipping_vnd=shipping, total_vnd=subtotal + shipping)
    db.session.add(order)
    db.session.flush()
    result = []
    for entity, lines, ship in parts:
        part = VendorOrder(order_id=order.id, entity_id=entity.id, entity_name=entity.name, status=status,
                           subtotal_vnd=sum(price * quantity for _name, price, quantity in lines), shipping_vnd=ship)
        db.session.add(part)
        db.session.flush()
        db.session.add_all([OrderLine(vendor_order_id=part.id, product_name=name, entity_name=entity.name,
                                      certificate_number="12/QĐ-UBND", stars=3, unit_price_vnd=price,
                                      quantity=quantity) for name, price, quantity in lines])
        result.append(part)
    if method != "cod":
        orders.mark_paid(order, "system")  # the payment arrived
    db.session.flush()
    return result


def deliver(part):
    """The producer confirms (when paid online), ships and delivers its part."""
    if part.status == "paid":
        fulfilment.act(part, "confirm", "vendor@test.example")
    fulfilment.act(part, "ship", "vendor@test.example", "VNPost", f"EB{part.id:09d}VN")
    fulfilment.act(part, "deliver", "vendor@test.example")


def figures(part_id):
    """The entries booked for a part, as (kind, period, amounts…) tuples."""
    rows = db.session.scalars(select(StatementEntry).where(StatementEntry.vendor_order_id == part_id)
                              .order_by(StatementEntry.id)).all()
    return [tuple(getattr(row, name) for name in FIGURES) for row in rows]


@pytest.fixture
def world(frozen_clock):
    household = make_entity("Hộ kinh doanh Chu Thị Nguyệt", entity_type="household_business", tax_code="6400123456",
                            province_code="68")
    cooperative = make_entity("HTX Chè Hảo Đạt", entity_type="cooperative", tax_code="4600100200")
    enterprise = make_entity("Công ty TNHH Gốm sứ Quang Vinh", entity_type="enterprise", tax_code="0100200300",
                             province_code="01")
    people = {"admin": make_user("admin"), "household": make_user("vendor", entity=household),
              "cooperative": make_user("vendor", entity=cooperative)}
    frozen_clock.set(NOVEMBER, time(10, 0))
    parts = {
        "A": make_order("card", [(household, [("Macca Quyền Nguyệt", 100_050, 2), ("Hill coffee", 33_350, 1)],
                                  30_000)])[0],
        "C": make_order("cod", [(household, [("Macca Quyền Nguyệt", 100_050, 1)], 30_000)])[0],
        "D": make_order("card", [(enterprise, [("Bộ ấm chén hoa sen", 455_555, 1)], 30_000)])[0],
        "E": make_order("bank_transfer", [(household, [("Hill coffee", 33_350, 3)], 30_000)])[0],
    }
    parts["B_household"], parts["B_cooperative"] = make_order("bank_transfer", [
        (household, [("Hill coffee", 33_350, 1)], 30_000), (cooperative, [("Chè Đinh Tân Cương", 200_000, 1)], 30_000)])
    for part in parts.values():
        deliver(part)
    db.session.commit()
    return {"household": household, "cooperative": cooperative, "enterprise": enterprise, "parts": parts,
            "people": people, "clock": frozen_clock}


def refund_e(world):
    """December: the household's bank-transfer order E is refunded after delivery."""
    world["clock"].set(DECEMBER, time(9, 0))
    refunds.settle_part(world["parts"]["E"], "refund", "admin@test.example")
    db.session.commit()


# --- the ledger ----------------------------------------------------------------------------------------------

def test_each_delivered_part_is_booked_with_its_hand_computed_figures(world):
    parts = world["parts"]
    assert figures(parts["A"].id) == [("sale", "2026-11", 233_450, 30_000, 263_450, 11_672, 233_450, 2335, 1168,
                                       248_275)]
    assert figures(parts["B_household"].id) == [("sale", "2026-11", 33_350, 30_000, 63_350, 1667, 33_350, 334, 167,
                                                 61_182)]
    assert figures(parts["B_cooperative"].id) == [("sale", "2026-11", 200_000, 30_000, 230_000, 10_000, 0, 0, 0,
                                                   220_000)]
    assert figures(parts["C"].id) == [("sale", "2026-11", 100_050, 30_000, 0, 5002, 0, 0, 0, -5002)]
    assert figures(parts["D"].id) == [("sale", "2026-11", 455_555, 30_000, 485_555, 22_777, 0, 0, 0, 462_778)]
    assert figures(parts["E"].id) == [("sale", "2026-11", 100_050, 30_000, 130_050, 5002, 100_050, 1001, 500,
                                       123_547)]
    entry = db.session.scalar(select(StatementEntry).where(StatementEntry.vendor_order_id == parts["A"].id))
    assert (entry.commission_bp, entry.vat_bp, entry.pit_bp) == (500, 100, 50)
    assert (entry.payment_method, entry.entity_type, entry.collected) == ("card", "household_business", True)
    assert entry.booked_on == NOVEMBER


def test_a_refund_after_delivery_reverses_the_sale_in_the_month_of_the_refund(world):
    refund_e(world)
    assert figures(world["parts"]["E"].id) == [
        ("sale", "2026-11", 100_050, 30_000, 130_050, 5002, 100_050, 1001, 500, 123_547),
        ("refund", "2026-12", -100_050, -30_000, -130_050, -5002, -100_050, -1001, -500, -123_547)]


def test_a_part_cancelled_or_refunded_before_delivery_books_nothing(world):
    household = world["household"]
    (paid,) = make_order("bank_transfer", [(household, [("Hill coffee", 33_350, 1)], 30_000)])
    (cod,) = make_order("cod", [(household, [("Hill coffee", 33_350, 1)], 30_000)])
    refunds.settle_part(paid, "refund", "vendor@test.example")
    refunds.settle_part(cod, "cancel", "vendor@test.example")
    db.session.commit()
    assert figures(paid.id) == [] and figures(cod.id) == []


def test_entries_keep_the_rates_and_the_entity_type_they_were_booked_with(world):
    household = world["household"]
    current_app.config.update(COMMISSION_BP=800, WITHHOLDING_VAT_BP=200)
    try:
        household.entity_type = "enterprise"  # an officer's correction does not rewrite November
        (later,) = make_order("card", [(world["cooperative"], [("Chè Đinh Tân Cương", 200_000, 1)], 30_000)])
        deliver(later)
        db.session.commit()
        assert figures(world["parts"]["A"].id)[0][-5:] == (11_672, 233_450, 2335, 1168, 248_275)
        assert figures(later.id) == [("sale", "2026-11", 200_000, 30_000, 230_000, 16_000, 0, 0, 0, 214_000)]
    finally:
        current_app.config.update(COMMISSION_BP=500, WITHHOLDING_VAT_BP=100)


# --- statements ----------------------------------------------------------------------------------------------

def test_the_households_statements_for_november_and_december(world):
    household = world["household"]
    november = finance.statement(household, "2026-11")
    assert [reference for _entry, reference in november["entries"]] == [
        db.session.get(Order, world["parts"][key].order_id).reference for key in ("A", "C", "E", "B_household")]
    assert november["totals"] == {
        "sales_vnd": 263_450 + 130_050 + 130_050 + 63_350, "refunds_vnd": 0,
        "goods_vnd": 233_450 + 100_050 + 100_050 + 33_350, "shipping_vnd": 120_000,
        "collected_vnd": 263_450 + 130_050 + 63_350, "commission_vnd": 11_672 + 5002 + 5002 + 1667,
        "withheld_base_vnd": 233_450 + 100_050 + 33_350, "vat_vnd": 2335 + 1001 + 334, "pit_vnd": 1168 + 500 + 167,
        "net_vnd": 248_275 - 5002 + 123_547 + 61_182}
    assert (november["opening_vnd"], november["paid_vnd"], november["closing_vnd"]) == (0, 0, 428_002)
    payouts.record(household, 400_000, date(2026, 11, 20), "FT26329001", "admin@test.example")
    db.session.commit()
    refund_e(world)
    november = finance.statement(household, "2026-11")
    assert (november["opening_vnd"], november["paid_vnd"], november["closing_vnd"]) == (0, 400_000, 28_002)
    december = finance.statement(household, "2026-12")
    assert december["totals"]["refunds_vnd"] == 130_050 and december["totals"]["net_vnd"] == -123_547
    assert (december["opening_vnd"], december["paid_vnd"], december["closing_vnd"]) == (28_002, 0, -95_545)
    assert december["balance_vnd"] == -95_545  # the household now owes the platform


def test_the_monthly_summary_of_every_entity(world):
    rows = {row["entity"].name: row for row in finance.summary("2026-11")}
    assert sorted(rows) == ["Công ty TNHH Gốm sứ Quang Vinh", "HTX Chè Hảo Đạt", "Hộ kinh doanh Chu Thị Nguyệt"]
    assert rows["HTX Chè Hảo Đạt"]["closing_vnd"] == 220_000
    assert rows["Công ty TNHH Gốm sứ Quang Vinh"]["closing_vnd"] == 462_778
    assert rows["Hộ kinh doanh Chu Thị Nguyệt"]["closing_vnd"] == 428_002
    assert finance.summary("2026-10") == []
    december = {row["entity"].name: row for row in finance.summary("2026-12")}  # balances carried over
    assert {name: row["opening_vnd"] for name, row in december.items()} == {
        "Công ty TNHH Gốm sứ Quang Vinh": 462_778, "HTX Chè Hảo Đạt": 220_000, "Hộ kinh doanh Chu Thị Nguyệt": 428_002}


# --- the withholding report ----------------------------------------------------------------------------------

def test_the_monthly_withholding_report_names_only_the_household(client, world):
    refund_e(world)
    rows = finance.withholding_report("2026-11")
    assert [(row["entity"].name, row["entity"].tax_code, row["revenue_vnd"], row["vat_vnd"], row["pit_vnd"])
            for row in rows] == [("Hộ kinh doanh Chu Thị Nguyệt", "6400123456", 366_850, 3670, 1835)]
    assert [(row["revenue_vnd"], row["vat_vnd"], row["pit_vnd"]) for row in finance.withholding_report("2026-12")] \
        == [(-100_050, -1001, -500)]
    client.login_as(world["people"]["admin"])
    page = client.get("/admin/withholding?period=2026-11&lang=en").get_data(as_text=True)
    assert "Hộ kinh doanh Chu Thị Nguyệt" in page and "6400123456" in page and "₫3,670" in page
    assert "HTX Chè Hảo Đạt" not in page and "Quang Vinh" not in page
    body = client.get("/admin/withholding.csv?period=2026-11").data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1:3] == [
        ["seller", "tax_code", "entity_type", "province", "address", "revenue_vnd", "vat_vnd", "pit_vnd"],
        ["Hộ kinh doanh Chu Thị Nguyệt", "6400123456", "household_business", "Lâm Đồng", "", "366850", "3670",
         "1835"]]
    sheet = load_workbook(io.BytesIO(client.get("/admin/withholding.xlsx?period=2026-11").data)).active
    assert [cell.value for cell in sheet[2]][-3:] == [366_850, 3670, 1835]


# --- payouts -------------------------------------------------------------------------------------------------

def test_a_payout_never_exceeds_what_is_owed_and_is_recorded_once_per_bank_reference(world):
    household = world["household"]
    with pytest.raises(PayoutRefused):
        payouts.record(household, 428_003, date(2026, 11, 20), "FT26329001", "admin@test.example")
    db.session.rollback()
    payout, created = payouts.record(household, 400_000, date(2026, 11, 20), " ft26329001 ", "admin@test.example")
    db.session.commit()
    assert created and payout.bank_reference == "FT26329001"
    again, created = payouts.record(household, 400_000, date(2026, 11, 20), "FT26329001", "admin@test.example")
    assert again.id == payout.id and not created  # a double click pays nothing twice
    with pytest.raises(PayoutRefused):  # the same transfer named for another amount
        payouts.record(household, 20_000, date(2026, 11, 20), "FT26329001", "admin@test.example")
    db.session.rollback()
    with pytest.raises(PayoutRefused):  # 28.002 ₫ left
        payouts.record(household, 30_000, date(2026, 11, 19), "FT26330002", "admin@test.example")
    db.session.rollback()
    with pytest.raises(PayoutRefused):
        payouts.record(household, 1000, date(2026, 11, 21), "FT26330003", "admin@test.example")  # after the clock
    db.session.rollback()
    assert payouts.balance(household.id) == 28_002
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payout.recorded"))
    assert entry.after["amount_vnd"] == 400_000 and entry.after["balance_before_vnd"] == 428_002


def test_a_payout_is_refused_when_the_entity_owes_the_platform(world):
    payouts.record(world["household"], 400_000, date(2026, 11, 20), "FT26329001", "admin@test.example")
    db.session.commit()
    refund_e(world)  # 123.547 ₫ taken back from the 28.002 ₫ still owed
    assert payouts.balance(world["household"].id) == -95_545
    with pytest.raises(PayoutRefused):
        payouts.record(world["household"], 1, date(2026, 12, 3), "FT26337001", "admin@test.example")


def test_finance_staff_record_a_payout_from_the_statement_page(client, world):
    household, admin = world["household"], world["people"]["admin"]
    client.login_as(admin)
    page = client.get(f"/admin/statements/{household.id}?period=2026-11&lang=en").get_data(as_text=True)
    assert "₫428,002" in page and 'name="bank_reference"' in page
    form = {"amount_vnd": "400.000", "paid_on": "2026-11-20", "bank_reference": "FT26324555", "note": "Tháng 11"}
    response = client.post_form(f"/admin/statements/{household.id}/payouts?period=2026-11", form)
    assert response.status_code == 302
    assert client.post_form(f"/admin/statements/{household.id}/payouts?period=2026-11", form).status_code == 302
    assert db.session.scalars(select(Payout.amount_vnd)).all() == [400_000]
    refused = client.post_form(f"/admin/statements/{household.id}/payouts?period=2026-11",
                               {**form, "bank_reference": "FT26324556", "amount_vnd": "28.003"})
    assert refused.status_code == 302 and db.session.scalar(select(func.count()).select_from(Payout)) == 1
    unreadable = client.post_form(f"/admin/statements/{household.id}/payouts",
                                  {**form, "bank_reference": "FT26324557", "amount_vnd": "4.00.000"})
    assert unreadable.status_code == 400 and db.session.scalar(select(func.count()).select_from(Payout)) == 1
    summary = client.get("/admin/statements?period=2026-11&lang=en").get_data(as_text=True)
    assert "₫28,002" in summary  # owed to the household at the end of November


# --- who sees what -------------------------------------------------------------------------------------------

def test_a_vendor_sees_only_its_own_statement(client, world):
    client.login_as(world["people"]["household"])
    page = client.get("/vendor/statement?period=2026-11&lang=en").get_data(as_text=True)
    references = {key: db.session.get(Order, part.order_id).reference for key, part in world["parts"].items()}
    assert all(references[key] in page for key in ("A", "B_household", "C", "E"))
    assert references["D"] not in page  # the enterprise's order
    assert "₫428,002" in page and "₫3,670" in page
    client.login_as(world["people"]["cooperative"])
    page = client.get("/vendor/statement?period=2026-11&lang=en").get_data(as_text=True)
    assert references["B_cooperative"] in page and references["A"] not in page and "₫220,000" in page
    body = client.get("/vendor/statement.csv?period=2026-11").data.decode("utf-8-sig")
    assert "HTX Chè Hảo Đạt" in body and "Chu Thị Nguyệt" not in body
    for url in ("/admin/statements", f"/admin/statements/{world['household'].id}", "/admin/withholding",
                "/admin/withholding.csv", "/admin/statements.xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post_form(f"/admin/statements/{world['household'].id}/payouts",
                            {"amount_vnd": "1000", "paid_on": "2026-11-20", "bank_reference": "X1"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0


def test_the_vendors_statement_export_has_its_figures(client, world):
    client.login_as(world["people"]["household"])
    rows = list(csv.reader(io.StringIO(client.get("/vendor/statement.csv?period=2026-11").data
                                       .decode("utf-8-sig"))))
    assert rows[2] == ["Hộ kinh doanh Chu Thị Nguyệt", "6400123456", "2026-11", "0", "586900", "0", "456850", "23343",
                       "3670", "1835", "428002", "0", "428002"]
    reference = db.session.get(Order, world["parts"]["A"].order_id).reference
    line = next(row for row in rows if reference in row)
    assert line[4:] == ["sale", "card", "yes", "233450", "30000", "263450", "11672", "233450", "2335", "1168",
                        "248275"]


# --- exports are safe --------------------------------------------------------------------------------------

def assert_csv_safe(body):
    """No cell starts a formula; a negative amount (``-5002``) is a number to a spreadsheet, not a formula."""
    cells = csv_cells(body)
    assert cells
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or re.fullmatch(r"-\d+", cell), cell


def test_statement_exports_never_carry_a_live_formula(client, world):
    hostile = make_entity(HOSTILE[0], entity_type="household_business", tax_code="+84123")
    owner = make_user("vendor", entity=hostile)
    (part,) = make_order("card", [(hostile, [("@Mật ong", 100_000, 1)], 30_000)])
    deliver(part)
    payouts.record(hostile, 1000, date(2026, 11, 20), "=CMD|' /C calc'!A0", "admin@test.example", note="-2+3")
    db.session.commit()
    client.login_as(world["people"]["admin"])
    for url in ("/admin/statements.csv?period=2026-11", "/admin/withholding.csv?period=2026-11",
                f"/admin/statements/{hostile.id}.csv?period=2026-11"):
        body = client.get(url).data
        assert_csv_safe(body)
        assert "'=HYPERLINK" in body.decode("utf-8-sig"), url
    for url in ("/admin/statements.xlsx?period=2026-11", "/admin/withholding.xlsx?period=2026-11",
                f"/admin/statements/{hostile.id}.xlsx?period=2026-11"):
        assert_xlsx_safe(client.get(url).data)
    client.login_as(owner)
    assert_csv_safe(client.get("/vendor/statement.csv?period=2026-11").data)
    assert_xlsx_safe(client.get("/vendor/statement.xlsx?period=2026-11").data)
    assert db.session.get(Entity, hostile.id).name == HOSTILE[0]
