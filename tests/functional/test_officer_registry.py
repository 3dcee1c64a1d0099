"""Officers keep the registry: every transition, the refusals, the scope, and the storefront agreeing at once."""

import io
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry import lifecycle
from marketplace.registry.models import Certificate
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user

TODAY = date(2026, 11, 23)


@pytest.fixture
def registry(frozen_clock):
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_product("Chè búp Tân Cương", entity=entity)
    certificate = make_certificate(product, stars=3, valid_from=date(2024, 3, 1))
    make_listing(product)
    other = make_product("Nước mắm Cần Giờ", entity=make_entity("HTX Cần Giờ", province_code="79"))
    make_certificate(other, stars=4, valid_from=date(2025, 1, 1))
    officer = make_user("officer", province_code="19")
    national = make_user("officer")
    db.session.commit()
    return {"product": product, "certificate": certificate, "other": other, "officer": officer,
            "national": national}


def decision(**changes):
    values = {"number": "5001/QĐ-UBND-001", "decision_number": "5001/QĐ-UBND", "decision_date": "2026-11-20",
              "issuing_authority": "UBND tỉnh Thái Nguyên", "stars": "4"}
    return {**values, **changes}


def storefront(client, product):
    return client.get(f"/api/v1/products/{product.id}").get_json()


def test_upgrade_is_seen_by_storefront_search_and_verification_at_once(client, registry):
    client.login_as(registry["officer"])
    response = client.post_form(f"/officer/certificates/{registry['certificate'].id}/upgrade", decision())
    assert response.status_code == 302
    assert storefront(client, registry["product"])["stars"] == 4
    new = db.session.scalar(select(Certificate).where(Certificate.number == "5001/QĐ-UBND-001"))
    old = db.session.get(Certificate, registry["certificate"].id)
    assert client.get(f"/api/v1/certificates/{old.code}").get_json()["status"] == "superseded"
    assert client.get(f"/api/v1/certificates/{old.code}").get_json()["superseded_by"] == new.code
    found = client.get("/api/v1/products?q=che+bup+tan+cuong").get_json()["items"]
    assert [item["stars"] for item in found] == [4]
    assert "certificate.upgraded" in db.session.scalars(select(AuditEntry.action)).all()


def test_revocation_hides_the_product_everywhere_at_once(client, registry):
    client.login_as(registry["officer"])
    client.post_form(f"/officer/certificates/{registry['certificate'].id}/revoke",
                     {"ground": "đ", "text": "Chủ thể ngừng sản xuất", "revoked_on": "2026-11-23"})
    assert storefront(client, registry["product"])["reason"] == "certificate_revoked"
    assert client.get("/api/v1/products?q=che+bup").get_json()["total"] == 0
    code = registry["certificate"].code
    record = client.get(f"/api/v1/certificates/{code}").get_json()
    assert record["status"] == "revoked" and record["revocation_reason"] == "đ) Chủ thể ngừng sản xuất"
    assert "Chủ thể ngừng sản xuất" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_renewal_after_expiry_and_issue_after_revocation(client, registry, frozen_clock):
    frozen_clock.set(date(2027, 3, 5))  # the 2024 certificate expired on 2027-03-01
    assert storefront(client, registry["product"])["reason"] == "certificate_expired"
    client.login_as(registry["officer"])
    client.post_form(f"/officer/certificates/{registry['certificate'].id}/renew",
                     decision(stars="3", decision_date="2027-03-04"))
    assert storefront(client, registry["product"])["sellable"] is True


@pytest.mark.parametrize(("operation", "message"), [
    (lambda c, p, o: lifecycle.upgrade(o, c, p, lifecycle.Decision("X1", "D1", TODAY, "UBND", 3)),
     "An upgrade must give more stars"),
    (lambda c, p, o: lifecycle.renew(o, c, p, lifecycle.Decision("X2", "D2", TODAY, "UBND", 4)),
     "A renewal keeps the stars"),
    (lambda c, p, o: lifecycle.upgrade(o, c, p, lifecycle.Decision("X3", "D3", TODAY, "UBND", 5)),
     "cannot certify 5 stars"),
    (lambda c, p, o: lifecycle.revoke(o, c, p, "z", "lý do", TODAY), "Choose the ground"),
    (lambda c, p, o: lifecycle.revoke(o, c, p, "b", "", TODAY), "Explain the revocation"),
    (lambda c, p, o: lifecycle.revoke(o, c, p, "b", "lý do", date(2020, 1, 1)), "before the certificate"),
    (lambda c, p, o: lifecycle.issue(o, p, lifecycle.Decision(c.number, "D", TODAY, "UBND", 4)),
     "already in the registry"),
    (lambda c, p, o: lifecycle.upgrade(o, c, p, lifecycle.Decision("X4", "D4", TODAY, "UBND", 4, score=95)),
     "does not match 4 stars"),
    (lambda c, p, o: lifecycle.correct(o, c, p, stars=5), "cannot be corrected"),
])
def test_illegal_transitions_are_refused_with_a_clear_message(app, registry, operation, message):
    certificate, product = registry["certificate"], registry["product"]
    with app.test_request_context(), force_locale("en"), pytest.raises(lifecycle.TransitionError, match=message):
        operation(certificate, product, registry["officer"])


def test_revoking_twice_is_refused(app, registry):
    args = (registry["officer"], registry["certificate"], registry["product"], "b", "kiểm tra", TODAY)
    with app.test_request_context(), force_locale("en"):
        lifecycle.revoke(*args)
        with pytest.raises(lifecycle.TransitionError, match="already revoked"):
            lifecycle.revoke(*args)


def test_national_officers_certify_five_stars(client, registry):
    client.login_as(registry["national"])
    client.post_form(f"/officer/certificates/{registry['certificate'].id}/upgrade",
                     decision(stars="5", issuing_authority="Bộ Nông nghiệp và Môi trường", score="92"))
    assert storefront(client, registry["product"])["stars"] == 5


def test_correction_is_audited(client, registry):
    client.login_as(registry["officer"])
    certificate = registry["certificate"]
    corrected = certificate.number + "-A"
    response = client.post_form(f"/officer/certificates/{certificate.id}/correct", {
        "number": corrected, "decision_number": certificate.decision_number,
        "decision_date": str(certificate.decision_date), "issuing_authority": "UBND tỉnh Thái Nguyên (đã sửa)",
        "valid_from": str(certificate.valid_from), "valid_until": str(certificate.valid_until)})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.corrected"))
    assert entry.after["number"] == corrected and entry.province_code == "19"


def test_officers_reach_only_their_province(client, registry):
    client.login_as(registry["officer"])
    assert client.get(f"/officer/products/{registry['other'].id}").status_code == 404
    other_certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == registry["other"].id))
    response = client.post_form(f"/officer/certificates/{other_certificate.id}/revoke",
                                {"ground": "b", "text": "x", "revoked_on": "2026-11-23"})
    assert response.status_code == 404
    assert db.session.get(Certificate, other_certificate.id).status == "active"
    listing = client.get("/officer/registry").get_data(as_text=True)
    assert "Chè búp Tân Cương" in listing and "Nước mắm Cần Giờ" not in listing
    vendor = make_user("vendor")
    db.session.commit()
    client.login_as(vendor)
    assert client.get(f"/officer/products/{registry['product'].id}").status_code == 403
    assert client.post_form(f"/officer/certificates/{registry['certificate'].id}/revoke",
                            {"ground": "b", "text": "x", "revoked_on": "2026-11-23"}).status_code == 403


def test_web_upload_dry_run_then_import_within_scope(client, registry):
    header = ("certificate_number,decision_number,decision_date,issuing_authority,issuing_level,stars,product_name,"
              "product_group,entity_name,entity_type,province\n")
    good = header + "77/QĐ-UBND-1,77/QĐ-UBND,2026-10-01,UBND tỉnh Thái Nguyên,province,3,Miến dong Bắc Kạn,06," \
                    "HTX Miến Bắc Kạn,cooperative,Bắc Kạn\n"
    client.login_as(registry["officer"])
    page = client.post_form("/officer/registry/upload", {"file": (io.BytesIO(good.encode()), "registry.csv")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "1 created, 0 updated, 0 unchanged" in page
    assert db.session.scalar(select(Certificate).where(Certificate.number == "77/QĐ-UBND-1")) is None
    token = page.split("/officer/registry/upload/")[1].split('"')[0]
    assert client.post_form(f"/officer/registry/upload/{token}").status_code == 302
    assert db.session.scalar(select(Certificate).where(Certificate.number == "77/QĐ-UBND-1")) is not None
    outside = header + "78/QĐ-UBND-1,78/QĐ-UBND,2026-10-01,UBND,province,3,Bánh tráng,06,HTX X,cooperative,79\n"
    page = client.post_form("/officer/registry/upload", {"file": (io.BytesIO(outside.encode()), "r.csv")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "row 2: province:" in page
