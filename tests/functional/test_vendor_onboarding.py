"""An OCOP entity applies, an officer of its province approves, the owner builds a team."""

import re

from sqlalchemy import select

from marketplace.accounts.models import EntityApplication, Invitation, User, VendorMembership
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.registry.models import Entity
from tests.factories import make_entity, make_user

APPLICATION = {"name": "HTX Chè Tân Cương", "entity_type": "cooperative", "tax_code": "4600000001",
               "province": "19", "address": "xã Tân Cương", "phone": "0912345678"}


def test_apply_approve_invite_accept_and_remove(client):
    registry_entity = make_entity("HTX Chè Tân Cương", province_code="19", tax_code="4600000001")
    applicant = make_user("customer", email="owner@test.example")
    officer = make_user("officer", province_code="19")
    db.session.commit()

    client.login_as(applicant)
    assert client.post_form("/vendor/apply", APPLICATION).status_code == 302
    application = db.session.scalar(select(EntityApplication))
    assert application.entity_id == registry_entity.id and application.status == "pending"
    assert client.post_form("/vendor/apply", APPLICATION).status_code == 200  # one pending application at a time
    assert db.session.scalar(select(db.func.count()).select_from(EntityApplication)) == 1

    client.login_as(officer)
    rejected_without_reason = client.post_form(f"/officer/applications/{application.id}", {"decision": "reject"})
    assert rejected_without_reason.status_code == 400
    assert client.post_form(f"/officer/applications/{application.id}", {"decision": "approve"}).status_code == 302
    db.session.refresh(applicant)
    assert applicant.role == "vendor" and applicant.membership.role == "owner"
    assert applicant.membership.entity_id == registry_entity.id
    assert outbox_messages()[-1]["To"] == "owner@test.example"

    client.login_as(applicant)
    assert "HTX Chè Tân Cương" in client.get("/vendor/").get_data(as_text=True)
    client.post_form("/vendor/team/invite", {"email": "staff@test.example"})
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "staff@test.example" and len(invitation.token_hash) == 64
    link = re.search(r"http://localhost(/invitations/\S+)", outbox_messages()[-1].get_content()).group(1)

    staff = make_user("customer", email="staff@test.example")
    stranger = make_user("customer", email="stranger@test.example")
    db.session.commit()
    client.login_as(stranger)
    client.post_form(link)
    assert db.session.scalar(select(VendorMembership).where(VendorMembership.user_id == stranger.id)) is None
    client.login_as(staff)
    assert client.post_form(link).status_code == 302
    membership = db.session.scalar(select(VendorMembership).where(VendorMembership.user_id == staff.id))
    assert membership.role == "staff"
    assert client.post_form(link).status_code == 400  # single use

    owner_membership = applicant.membership.id
    assert client.post_form(f"/vendor/team/{owner_membership}/remove").status_code == 403  # staff cannot
    client.login_as(applicant)
    client.post_form(f"/vendor/team/{owner_membership}/remove")
    assert db.session.get(VendorMembership, owner_membership) is not None  # the owner cannot be removed
    assert client.post_form(f"/vendor/team/{membership.id}/remove").status_code == 302
    assert db.session.get(User, staff.id).role == "customer"


def test_approval_of_an_unknown_entity_creates_it(client):
    applicant = make_user("customer", email="new@test.example")
    officer = make_user("officer")
    db.session.commit()
    client.login_as(applicant)
    client.post_form("/vendor/apply", {**APPLICATION, "tax_code": "", "name": "Tổ hợp tác Mây tre Phú Vinh",
                                       "entity_type": "cooperative_group", "province": "01"})
    client.login_as(officer)
    application = db.session.scalar(select(EntityApplication))
    client.post_form(f"/officer/applications/{application.id}", {"decision": "approve"})
    entity = db.session.scalar(select(Entity))
    assert (entity.name, entity.entity_type, entity.province_code) == ("Tổ hợp tác Mây tre Phú Vinh",
                                                                       "cooperative_group", "01")


def test_unverified_customers_cannot_apply(client):
    applicant = make_user("customer", verified=False)
    db.session.commit()
    client.login_as(applicant)
    client.post_form("/vendor/apply", APPLICATION)
    assert db.session.scalar(select(EntityApplication)) is None


def test_invalid_phone_and_tax_code_are_explained(client):
    applicant = make_user("customer")
    db.session.commit()
    client.login_as(applicant)
    response = client.post_form("/vendor/apply", {**APPLICATION, "phone": "12345", "tax_code": "abc"})
    assert response.status_code == 400
    assert db.session.scalar(select(EntityApplication)) is None


def test_users_create_command(runner):
    make_entity("HTX Cà phê Bích Thao", province_code="14", tax_code="5500000001")
    db.session.commit()
    result = runner.invoke(args=["users", "create", "admin@test.example", "--role", "admin"])
    assert result.exit_code == 0 and "with password" in result.output
    assert runner.invoke(args=["users", "create", "owner@test.example", "--role", "vendor", "--entity",
                               "5500000001", "--password", "cà phê sơn la 2026"]).exit_code == 0
    assert runner.invoke(args=["users", "create", "staff@test.example", "--role", "vendor", "--entity",
                               "5500000001", "--password", "cà phê sơn la 2027"]).exit_code == 0
    roles = dict(db.session.execute(select(User.email, VendorMembership.role).join(
        VendorMembership, VendorMembership.user_id == User.id)).all())
    assert roles == {"owner@test.example": "owner", "staff@test.example": "staff"}
    officer = runner.invoke(args=["users", "create", "o@test.example", "--role", "officer", "--province", "Bình Dương",
                                  "--password", "cán bộ tỉnh 2026"])
    assert officer.exit_code == 0
    assert db.session.scalar(select(User.province_code).where(User.email == "o@test.example")) == "79"
    for args, message in [(["--role", "vendor", "--entity", "000"], "no entity with tax code 000"),
                          (["--role", "showroom_staff"], "--showroom ID"),
                          (["--role", "customer", "--password", "1234567890"], "too common")]:
        result = runner.invoke(args=["users", "create", "x@test.example", *args])
        assert result.exit_code == 1 and message in result.output
    assert runner.invoke(args=["users", "create", "admin@test.example", "--role", "admin"]).exit_code == 1
