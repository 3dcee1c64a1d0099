"""`flask registry import` as contract §1-§2 says: whole-file validation, dry run, idempotence, audit."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "registry_sample.csv"
HEADER = ["certificate_number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars",
          "score", "product_name", "product_group", "entity_name", "entity_type", "entity_tax_code", "province",
          "address", "valid_from", "valid_until", "status", "revoked_on", "revocation_reason"]
GOOD = {"certificate_number": "100/QĐ-UBND-001", "decision_number": "100/QĐ-UBND", "decision_date": "2026-02-01",
        "issuing_authority": "UBND tỉnh Hưng Yên", "issuing_level": "province", "stars": "4", "score": "75",
        "product_name": "Long nhãn Hưng Yên", "product_group": "07", "entity_name": "HTX Nhãn lồng Hồng Nam",
        "entity_type": "cooperative", "entity_tax_code": "0900111222", "province": "Hưng Yên"}


def write_csv(path, rows, header=HEADER, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Entity, Product, Certificate,
                                                                                   AuditEntry))


def run(runner, *args):
    return runner.invoke(args=["registry", "import", *map(str, args)])


def test_sample_imports_then_reimport_changes_nothing(runner):
    first = run(runner, SAMPLE)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith("6 created, 0 updated, 0 unchanged")
    before = counts()
    again = run(runner, SAMPLE)
    assert again.exit_code == 0
    assert again.stdout.strip() == "0 created, 0 updated, 6 unchanged"
    assert counts() == before


def test_defaults_legacy_province_and_entity_identity(runner):
    run(runner, SAMPLE)
    macca = db.session.scalar(select(Certificate).where(Certificate.number == "858/QĐ-UBND-012"))
    product = db.session.get(Product, macca.product_id)
    assert product.province_code == "68"  # Đắk Nông (old 67) is part of Lâm Đồng since 1 July 2025
    assert str(macca.valid_until) == "2028-06-19"  # decision date + 36 months
    assert product.original_address.startswith("xã Đắk Búk So")
    assert product.slug == "mac-ca-le-anh-tuy-duc"
    assert db.session.scalar(select(func.count()).select_from(Entity)) == 6


def test_a_changed_row_updates_and_is_audited(runner, tmp_path):
    write_csv(tmp_path / "a.csv", [GOOD])
    assert run(runner, tmp_path / "a.csv").exit_code == 0
    changed = {**GOOD, "status": "revoked", "revoked_on": "2026-09-01",
               "revocation_reason": "c) vi phạm quy định về an toàn thực phẩm"}
    result = run(runner, write_csv(tmp_path / "b.csv", [changed]))
    assert result.exit_code == 0
    assert result.stdout.strip() == "0 created, 1 updated, 0 unchanged"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.revoked")).one()
    assert entry.before == {"status": "active", "revoked_on": None, "revocation_reason": None}
    assert entry.after["status"] == "revoked" and entry.after["revoked_on"] == "2026-09-01"
    assert entry.actor == "cli:registry-import"


def test_newer_certificate_supersedes_the_older(runner, tmp_path):
    upgrade = {**GOOD, "certificate_number": "900/QĐ-BNNMT-001", "decision_number": "900/QĐ-BNNMT",
               "decision_date": "2026-06-01", "issuing_authority": "Bộ Nông nghiệp và Môi trường",
               "issuing_level": "ministry", "stars": "5", "score": "91"}
    run(runner, write_csv(tmp_path / "a.csv", [GOOD]))
    result = run(runner, write_csv(tmp_path / "b.csv", [upgrade]))
    assert result.stdout.strip() == "1 created, 0 updated, 0 unchanged"
    old = db.session.scalar(select(Certificate).where(Certificate.number == GOOD["certificate_number"]))
    new = db.session.scalar(select(Certificate).where(Certificate.number == upgrade["certificate_number"]))
    assert (old.superseded_by_id, str(old.superseded_on)) == (new.id, "2026-06-01")
    assert old.product_id == new.product_id
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "certificate", AuditEntry.subject_id == old.id).order_by(AuditEntry.id)).all()
    assert actions[-1] == "certificate.superseded"


INVALID = [
    ({"stars": "2"}, "row 2: stars: 2 stars get no OCOP certificate (3 to 5 only)"),
    ({"stars": "six"}, "row 2: stars: 'six' is not a star rating 3, 4 or 5"),
    ({"score": "95"}, "row 2: score: 95 is outside the 4-star band (70 to under 90)"),
    ({"decision_date": "31/02/2026"}, "row 2: decision_date: '31/02/2026' is not a date (YYYY-MM-DD)"),
    ({"province": "Atlantis"}, "row 2: province: 'Atlantis' is not a province (current code, name or pre-2025 name)"),
    ({"product_group": "27"}, "row 2: product_group: '27' is not a criteria-set code 01-26"),
    ({"entity_type": "ngo"}, "row 2: entity_type: 'ngo' is not one of cooperative, cooperative_group, enterprise, "
                             "household_business"),
    ({"status": "revoked"}, "row 2: revoked_on: is required when status is revoked"),
    ({"issuing_level": "district"}, "row 2: issuing_level: the district level was abolished on 1 July 2025"),
    ({"valid_until": "2020-01-01"}, "row 2: valid_until: is before valid_from"),
    ({"certificate_number": ""}, "row 2: certificate_number: is required"),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_invalid_row_is_reported_and_nothing_is_written(runner, tmp_path, change, message):
    other = {**GOOD, "certificate_number": "7/QĐ-UBND-7", "product_name": "Hạt sen Hồng Nam"}
    path = write_csv(tmp_path / "bad.csv", [{**GOOD, **change}, other])
    before = counts()
    result = run(runner, path)
    assert result.exit_code == 1
    assert message in result.stderr.splitlines()
    assert counts() == before


def test_every_invalid_row_is_reported_with_its_line_number(runner, tmp_path):
    rows = [GOOD, {**GOOD, "certificate_number": "2", "stars": "1"}, {**GOOD, "certificate_number": "3",
                                                                         "province": ""},
            {**GOOD, "product_name": "Khác"}]
    result = run(runner, write_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert lines == ["row 3: stars: 1 stars get no OCOP certificate (3 to 5 only)", "row 4: province: is required",
                     "row 5: certificate_number: duplicate of row 2"]
    assert counts() == (0, 0, 0, 0)


def test_missing_column_is_reported_on_the_header_line(runner, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [GOOD], header=[h for h in HEADER if h != "stars"])
    result = run(runner, path)
    assert result.exit_code == 1
    assert "row 1: stars: missing column" in result.stderr


def test_dry_run_reports_and_writes_nothing(runner):
    result = run(runner, SAMPLE, "--dry-run")
    assert result.exit_code == 0
    assert "6 created, 0 updated, 0 unchanged" in result.stdout
    assert counts() == (0, 0, 0, 0)


def test_old_province_code_gets_a_hint(runner, tmp_path):
    result = run(runner, write_csv(tmp_path / "a.csv", [{**GOOD, "province": "87"}]))
    assert "it was Đồng Tháp before 1 July 2025" in result.stderr


def test_xlsx_with_date_cells_and_bom_csv_import_the_same(runner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    from datetime import datetime
    sheet.append([GOOD.get(h, "") if h != "decision_date" else datetime(2026, 2, 1) for h in HEADER[:-1]])
    sheet.cell(row=2, column=HEADER.index("stars") + 1, value=4)
    workbook.save(tmp_path / "registry.xlsx")
    assert run(runner, tmp_path / "registry.xlsx").stdout.strip() == "1 created, 0 updated, 0 unchanged"
    again = run(runner, write_csv(tmp_path / "bom.csv", [GOOD], bom=True))
    assert again.stdout.strip() == "0 created, 0 updated, 1 unchanged"


def test_unnormalised_vietnamese_is_stored_as_nfc(runner, tmp_path):
    import unicodedata
    decomposed = unicodedata.normalize("NFD", GOOD["product_name"])
    run(runner, write_csv(tmp_path / "a.csv", [{**GOOD, "product_name": decomposed}]))
    assert db.session.scalar(select(Product.name)) == "Long nhãn Hưng Yên"


def test_untaxed_namesakes_in_two_provinces_are_two_entities(runner, tmp_path):
    rows = [{**GOOD, "entity_tax_code": "", "entity_name": "HTX Nông nghiệp Tân Lập"},
            {**GOOD, "entity_tax_code": "", "entity_name": "HTX Nông nghiệp Tân Lập", "province": "Phú Thọ",
             "certificate_number": "9/QĐ-UBND-9", "product_name": "Chè Tân Lập"}]
    assert run(runner, write_csv(tmp_path / "a.csv", rows)).exit_code == 0
    assert sorted(db.session.scalars(select(Entity.province_code))) == ["25", "33"]


@pytest.mark.parametrize(("written", "stored"), [("Hợp tác xã", "cooperative"), ("Công ty Cổ phần", "enterprise"),
                                                 ("Hộ kinh doanh cá thể", "household_business"),
                                                 ("Tổ hợp tác", "cooperative_group")])
def test_entity_types_written_in_vietnamese(runner, tmp_path, written, stored):
    assert run(runner, write_csv(tmp_path / "a.csv", [{**GOOD, "entity_type": written}])).exit_code == 0
    assert db.session.scalar(select(Entity.entity_type)) == stored


def test_stars_written_as_text_and_symbols(runner, tmp_path):
    rows = [{**GOOD, "stars": "4 sao"}, {**GOOD, "stars": "★★★★", "certificate_number": "2", "product_name": "B"}]
    assert run(runner, write_csv(tmp_path / "a.csv", rows)).exit_code == 0
    assert set(db.session.scalars(select(Certificate.stars))) == {4}
