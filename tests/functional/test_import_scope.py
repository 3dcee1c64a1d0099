"""A provincial officer's registry file may change only what the officer keeps: the row *and* the records it changes.

Provincial officers keep 3-4★ certificates of their province, national officers 5★ and any province, admins all
(``registry/lifecycle.may_certify``). A row written with the officer's own province and 3-4★ may still name a
certificate, a product or an entity of another province, or a 5★ certificate of the ministry: the dry run and the
import refuse it, and nothing changes.
"""

import csv
import io
import re
import secrets
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from marketplace.core import uploads
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from tests.factories import make_certificate, make_entity, make_product, make_user

COLUMNS = ["certificate_number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars",
           "product_name", "product_group", "entity_name", "entity_type", "entity_tax_code", "province", "valid_from",
           "valid_until", "status", "revoked_on", "revocation_reason"]
REVOKED = {"status": "revoked", "revoked_on": "2026-11-20", "revocation_reason": "đ) Chủ thể ngừng sản xuất"}
MINISTRY = {"issuing_level": "ministry", "issuing_authority": "Bộ Nông nghiệp và Môi trường"}


@pytest.fixture(autouse=True)
def _no_file_left_waiting(app):
    """Files a dry run leaves for their import are removed after the test (the uploads folder is the app's)."""
    waiting = set(uploads.uploads_dir().iterdir())
    yield
    for path in set(uploads.uploads_dir().iterdir()) - waiting:
        path.unlink(missing_ok=True)


@pytest.fixture
def registry(frozen_clock):
    """Two entities of the officer's province (one with a 5★ ministry certificate) and one of Hồ Chí Minh."""
    own = make_entity("HTX Chè Tân Cương", province_code="19", tax_code="4600000019")
    own3 = make_certificate(make_product("Chè búp Tân Cương", entity=own), stars=3, valid_from=date(2025, 3, 1))
    own4 = make_certificate(make_product("Trà xanh Tân Cương", entity=own), stars=4, valid_from=date(2025, 4, 1))
    hao_dat = make_entity("HTX Chè Hảo Đạt", province_code="19", tax_code="4600000020")
    five = make_certificate(make_product("Chè Đinh Hảo Đạt", entity=hao_dat), stars=5, valid_from=date(2025, 5, 1))
    can_gio = make_entity("HTX Nước mắm Cần Giờ", province_code="79", tax_code="0300000079")
    other = make_certificate(make_product("Nước mắm Cần Giờ", entity=can_gio), stars=4, valid_from=date(2025, 6, 1))
    officer = make_user("officer", province_code="19")
    national = make_user("officer")
    db.session.commit()
    return {"own": own, "own3": own3, "own4": own4, "five": five, "can_gio": can_gio, "other": other,
            "officer": officer, "national": national}


def row_of(certificate, **changes):
    """The registry row that says exactly what ``certificate`` (with its product and entity) says, then ``changes``."""
    product = db.session.get(Product, certificate.product_id)
    entity = db.session.get(Entity, product.entity_id)
    values = {"certificate_number": certificate.number, "decision_number": certificate.decision_number,
              "decision_date": certificate.decision_date.isoformat(),
              "issuing_authority": certificate.issuing_authority, "issuing_level": certificate.issuing_level,
              "stars": str(certificate.stars), "product_name": product.name,
              "product_group": product.criteria_set_code, "entity_name": entity.name,
              "entity_type": entity.entity_type, "entity_tax_code": entity.tax_code or "",
              "province": product.province_code, "valid_from": certificate.valid_from.isoformat(),
              "valid_until": certificate.valid_until.isoformat(), "status": certificate.status}
    return {**values, **changes}


def of_entity(entity):
    return {"entity_name": entity.name, "entity_tax_code": entity.tax_code, "entity_type": entity.entity_type}


def new_row(**values):
    base = {"certificate_number": "9001/QĐ-UBND-001", "decision_number": "9001/QĐ-UBND",
            "decision_date": "2026-11-01", "issuing_authority": "UBND tỉnh Thái Nguyên", "issuing_level": "province",
            "stars": "4", "product_group": "09", "entity_type": "cooperative", "province": "19"}
    return {**base, **values}


def registry_file(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def state():
    """Every entity, product and certificate as stored, and the number of audit entries."""
    db.session.expire_all()
    records = []
    for model in (Entity, Product, Certificate):
        attributes = [attribute.key for attribute in inspect(model).column_attrs]
        records += [tuple(getattr(item, key) for key in attributes)
                    for item in db.session.scalars(select(model).order_by(model.id))]
    return records, db.session.scalar(select(func.count()).select_from(AuditEntry))


def dry_run(client, content):
    return client.post_form("/officer/registry/upload?lang=en", {"file": (io.BytesIO(content), "r.csv")},
                            content_type="multipart/form-data")


def errors_on(page):
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li><code>(.*?)</code></li>", page, re.S)]


def stash(user, content):
    """A file waiting for its import, as a dry run done earlier (before the registry changed) leaves it."""
    token = secrets.token_hex(16) + ".csv"
    (uploads.uploads_dir() / f"{user.id}-{token}").write_bytes(content)
    return token


CASES = {
    # the product of Hồ Chí Minh (found through its entity's tax code) would move to Thái Nguyên
    "province move": (lambda r: row_of(r["other"], province="19"),
                      "row 2: certificate_number: certificate {other} belongs to Hồ Chí Minh, outside your province"),
    # the certificate would move to a product of the officer's own entity, whose vendor then edits its listing
    "entity move": (lambda r: row_of(r["other"], province="19", **of_entity(r["own"])),
                    "row 2: certificate_number: certificate {other} belongs to Hồ Chí Minh, outside your province"),
    "ministry certificate to another entity": (
        lambda r: row_of(r["five"], stars="4", issuing_level="province", **of_entity(r["own"])),
        "row 2: certificate_number: certificate {five} has 5 stars: only the ministry may change it"),
    "stars down across 4/5": (lambda r: row_of(r["five"], stars="4", issuing_level="province"),
                              "row 2: certificate_number: certificate {five} has 5 stars: only the ministry may "
                              "change it"),
    "stars up across 4/5": (lambda r: row_of(r["own4"], stars="5", **MINISTRY),
                            "row 2: stars: 5 stars are certified by the ministry"),
    "revoke another province's certificate": (
        lambda r: row_of(r["other"], province="19", **REVOKED),
        "row 2: certificate_number: certificate {other} belongs to Hồ Chí Minh, outside your province"),
    "revoke a ministry certificate": (
        lambda r: row_of(r["five"], stars="4", issuing_level="province", **REVOKED),
        "row 2: certificate_number: certificate {five} has 5 stars: only the ministry may change it"),
    "new certificate for another province's product": (
        lambda r: new_row(product_name="Nước mắm Cần Giờ", **of_entity(r["can_gio"])),
        "row 2: product_name: this product belongs to Hồ Chí Minh, outside your province"),
    "rename another province's entity": (
        lambda r: new_row(product_name="Mắm tép Cần Giờ", **{**of_entity(r["can_gio"]),
                                                             "entity_name": "HTX Mắm Cần Giờ Mới"}),
        "row 2: entity_name: this entity belongs to Hồ Chí Minh, outside your province"),
}


def expected(message, registry):
    return message.format(other=registry["other"].number, five=registry["five"].number)


@pytest.mark.parametrize("case", list(CASES))
def test_dry_run_refuses_a_row_that_changes_what_the_officer_does_not_keep(client, registry, case):
    build, message = CASES[case]
    content = registry_file([build(registry)])
    before, waiting = state(), set(uploads.uploads_dir().iterdir())
    client.login_as(registry["officer"])
    response = dry_run(client, content)
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == [expected(message, registry)]
    assert state() == before
    assert set(uploads.uploads_dir().iterdir()) == waiting


@pytest.mark.parametrize("case", list(CASES))
def test_import_refuses_it_too_even_after_a_dry_run_that_passed(client, registry, case):
    build, message = CASES[case]
    token = stash(registry["officer"], registry_file([build(registry)]))
    before = state()
    client.login_as(registry["officer"])
    response = client.post_form(f"/officer/registry/upload/{token}?lang=en")
    assert response.status_code == 302
    assert "Nothing was imported" in client.get(response.location + "?lang=en").get_data(as_text=True)
    assert state() == before


def test_one_foreign_row_refuses_the_whole_file(client, registry):
    rows = [row_of(registry["own3"], **REVOKED), row_of(registry["other"], province="19")]
    before = state()
    client.login_as(registry["officer"])
    response = dry_run(client, registry_file(rows))
    assert errors_on(response.get_data(as_text=True)) == [
        f"row 3: certificate_number: certificate {registry['other'].number} belongs to Hồ Chí Minh, outside your "
        "province"]
    assert state() == before


def test_the_officers_own_rows_still_import(client, registry):
    rows = [row_of(registry["own4"], **REVOKED),
            new_row(product_name="Chè búp Tân Cương", stars="4", **of_entity(registry["own"])),
            new_row(certificate_number="9002/QĐ-UBND-002", product_name="Miến dong Bắc Kạn",
                    entity_name="HTX Miến Bắc Kạn", province="Bắc Kạn")]
    client.login_as(registry["officer"])
    response = dry_run(client, registry_file(rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 created, 1 updated, 0 unchanged" in page
    token = page.split("/officer/registry/upload/")[1].split('"')[0].split("?")[0]
    assert client.post_form(f"/officer/registry/upload/{token}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, registry["own4"].id).status == "revoked"
    upgraded = db.session.get(Certificate, registry["own3"].id)
    assert upgraded.superseded_by_id is not None and upgraded.superseded_on == date(2026, 11, 1)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"certificate.revoked", "certificate.created", "certificate.superseded"} <= actions


@pytest.mark.parametrize("case", ["province move", "stars down across 4/5", "revoke a ministry certificate"])
def test_a_national_officer_may_make_these_changes(client, registry, case):
    build, _message = CASES[case]
    client.login_as(registry["national"])
    response = dry_run(client, registry_file([build(registry)]))
    assert response.status_code == 200
    assert "0 created, 1 updated, 0 unchanged" in response.get_data(as_text=True)
