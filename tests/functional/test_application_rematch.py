"""A would-be vendor applies before its entity is in the registry; once a registry import brings the entity (the CLI
or an officer's upload), the pending application shows the match to the officer. Decided applications stay as
they were, a dry run matches nothing, and an import that changes nothing writes no audit entry."""

import csv
import io

import pytest
from sqlalchemy import func, select

from marketplace.accounts import onboarding
from marketplace.accounts.models import EntityApplication, VendorMembership
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Entity
from tests.factories import make_entity, make_user

HEADER = ["certificate_number", "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars",
          "product_name", "product_group", "entity_name", "entity_type", "entity_tax_code", "province"]
MIEN = {"certificate_number": "901/QĐ-UBND-001", "decision_number": "901/QĐ-UBND", "decision_date": "2026-10-01",
        "issuing_authority": "UBND tỉnh Thái Nguyên", "issuing_level": "province", "stars": "4",
        "product_name": "Miến dong Na Rì", "product_group": "06", "entity_name": "HTX Miến dong Na Rì",
        "entity_type": "cooperative", "entity_tax_code": "4700123456", "province": "Thái Nguyên"}


def registry_csv(rows):
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return handle.getvalue().encode()


@pytest.fixture
def pending(frozen_clock):
    """An application naming a tax code the registry does not hold yet, and an officer of its province."""
    application = onboarding.apply_for_entity(make_user(email="naria@test.example"), "HTX Miến dong Na Rì",
                                              "cooperative", "4700123456", "19", "xã Côn Minh", "0912345678")
    officer = make_user("officer", province_code="19", email="officer19@test.example")
    db.session.commit()
    return application, officer


def page_of(client, application):
    return client.get(f"/officer/applications/{application.id}?lang=en").get_data(as_text=True)


def matched_entity(application):
    db.session.expire_all()
    return db.session.get(EntityApplication, application.id).entity_id


def test_the_cli_import_matches_a_pending_application_and_the_officer_sees_it(client, runner, tmp_path, pending):
    application, officer = pending
    client.login_as(officer)
    assert "No match in the registry" in page_of(client, application)
    path = tmp_path / "registry.csv"
    path.write_bytes(registry_csv([MIEN]))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    entity = db.session.scalar(select(Entity).where(Entity.tax_code == "4700123456"))
    assert matched_entity(application) == entity.id
    page = page_of(client, application)
    assert "No match in the registry" not in page and "Approving creates a new entity." not in page
    assert "matched by tax code" in page and "1 certified product" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.matched"))
    assert entry.actor == "cli:registry-import" and entry.after["entity_id"] == entity.id
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert runner.invoke(args=["registry", "import", str(path)]).exit_code == 0  # the same file again
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_a_dry_run_matches_nothing(runner, tmp_path, pending):
    application, _officer = pending
    path = tmp_path / "registry.csv"
    path.write_bytes(registry_csv([MIEN]))
    assert runner.invoke(args=["registry", "import", "--dry-run", str(path)]).exit_code == 0
    assert matched_entity(application) is None


def test_an_officers_upload_matches_an_application_by_name_in_its_province(client, pending):
    _application, officer = pending
    untaxed = onboarding.apply_for_entity(make_user(email="gom@test.example"), "htx gốm  Phù Lãng", "cooperative",
                                          None, "19", None, None)
    db.session.commit()
    client.login_as(officer)
    row = {**MIEN, "certificate_number": "902/QĐ-UBND-001", "product_name": "Bình gốm Phù Lãng",
           "product_group": "21", "entity_name": "HTX Gốm Phù Lãng", "entity_tax_code": ""}
    response = client.post_form("/officer/registry/upload", {"file": (io.BytesIO(registry_csv([row])), "r.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 200
    assert matched_entity(untaxed) is None  # the dry run wrote nothing
    token = response.get_data(as_text=True).split("/officer/registry/upload/")[1].split('"')[0].split("?")[0]
    assert client.post_form(f"/officer/registry/upload/{token}").status_code == 302
    entity = db.session.scalar(select(Entity).where(Entity.name == "HTX Gốm Phù Lãng"))
    assert matched_entity(untaxed) == entity.id
    assert "matched by name in the province" in page_of(client, untaxed)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.matched"))
    assert entry.actor == "officer19@test.example"


def test_a_decided_application_is_not_matched_again(client, runner, tmp_path, pending):
    application, officer = pending
    onboarding.decide_application(officer, application, False, "Chưa có trong danh sách OCOP")
    db.session.commit()
    path = tmp_path / "registry.csv"
    path.write_bytes(registry_csv([MIEN]))
    assert runner.invoke(args=["registry", "import", str(path)]).exit_code == 0
    assert matched_entity(application) is None


def test_a_tax_code_arriving_later_wins_over_a_match_by_name(runner, tmp_path, frozen_clock):
    namesake = make_entity("HTX Miến dong Na Rì", province_code="19")  # untaxed, found by name
    application = onboarding.apply_for_entity(make_user(), "HTX Miến dong Na Rì", "cooperative", "4700999999",
                                              "19", None, None)
    db.session.commit()
    assert application.entity_id == namesake.id
    path = tmp_path / "registry.csv"
    other = {**MIEN, "entity_name": "HTX Miến dong Na Rì Bắc Kạn", "entity_tax_code": "4700999999"}
    path.write_bytes(registry_csv([other]))
    assert runner.invoke(args=["registry", "import", str(path)]).exit_code == 0
    taxed = db.session.scalar(select(Entity).where(Entity.tax_code == "4700999999"))
    assert taxed.id != namesake.id and matched_entity(application) == taxed.id


def test_approving_an_application_whose_entity_already_has_an_owner_is_refused(client, runner, tmp_path, pending):
    application, officer = pending
    path = tmp_path / "registry.csv"
    path.write_bytes(registry_csv([MIEN]))
    runner.invoke(args=["registry", "import", str(path)])
    entity = db.session.scalar(select(Entity).where(Entity.tax_code == "4700123456"))
    make_user("vendor", email="owner@naria.example", entity=entity)
    db.session.commit()
    client.login_as(officer)
    response = client.post_form(f"/officer/applications/{application.id}?lang=en", {"decision": "approve"})
    assert response.status_code == 400
    assert "This entity already has an owner account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EntityApplication, application.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(VendorMembership)) == 1
