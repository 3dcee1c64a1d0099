"""Exports never hand a spreadsheet program a live formula written by someone's text (#11 item 5)."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from marketplace.core.tabular import FORMULA_STARTS, csv_bytes, read_table, safe_cell, xlsx_bytes
from marketplace.extensions import db
from marketplace.showrooms.models import Placement, Showroom
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user

HOSTILE = ['=HYPERLINK("http://evil.example","Bấm vào đây")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def csv_cells(body):
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_csv_safe(body):
    cells = csv_cells(body)
    assert cells, "empty export"
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), cell


def assert_xlsx_safe(body):
    workbook = load_workbook(io.BytesIO(body))
    seen = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                seen += 1
    assert seen


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_neutralises_formula_starts(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Mật ong") == "Mật ong" and safe_cell(-5) == -5 and safe_cell(None) == ""


def test_helpers_write_text_not_formulas(tmp_path):
    section = [("Sheet", ["name", "n"], [[value, 1] for value in HOSTILE])]
    assert_csv_safe(csv_bytes(section))
    workbook = load_workbook(io.BytesIO(xlsx_bytes(section)))
    values = [row[0].value for row in workbook.active.iter_rows(min_row=2)]
    assert values[:5] == HOSTILE[:5]  # kept verbatim, as text (XML turns a lone CR into LF)
    path = tmp_path / "round.csv"
    path.write_bytes(csv_bytes([(None, ["name"], [[value] for value in HOSTILE[:4]])]))
    _, rows = read_table(path)
    assert [row["name"] for _, row in rows] == HOSTILE[:4]  # our own guard is removed on the way back in


@pytest.fixture
def hostile_shop(frozen_clock):
    """A vendor whose product, entity and variant names start formulas, with one order and a shelf placement."""
    entity = make_entity("@HTX Nông sản")
    product = make_product(HOSTILE[0], entity=entity)
    make_certificate(product, valid_from=date(2026, 1, 1))
    make_listing(product, unit="=1+2")
    owner = make_user("vendor", entity=entity)
    showroom = Showroom(name="=Showroom", province_code=product.province_code, kind="post_office")
    db.session.add(showroom)
    db.session.flush()
    db.session.add(Placement(showroom_id=showroom.id, product_id=product.id, status="displayed"))
    staff = make_user("showroom_staff", showroom_id=showroom.id)
    officer = make_user("officer", province_code=None)
    db.session.commit()
    return owner, staff, officer, showroom


def test_every_export_is_safe(client, hostile_shop):
    owner, staff, officer, showroom = hostile_shop
    client.login_as(owner)
    for url in ("/vendor/listings.csv", "/vendor/orders.csv", "/vendor/numbers.csv", "/vendor/statement.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csv_safe(response.data)
    listings = client.get("/vendor/listings.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in listings
    for url in ("/vendor/listings.xlsx", "/vendor/orders.xlsx"):
        assert_xlsx_safe(client.get(url).data)
    client.login_as(staff)
    shelf = client.get(f"/showroom/{showroom.id}/shelf.csv")
    assert shelf.status_code == 200
    assert_csv_safe(shelf.data)
    assert "'=HYPERLINK" in shelf.data.decode("utf-8-sig")
    client.login_as(officer)
    assert_csv_safe(client.get("/officer/programme/export.csv").data)
    assert_xlsx_safe(client.get("/officer/programme/export.xlsx").data)
