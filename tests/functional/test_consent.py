"""Consent to marketing mail: unticked at registration, toggled on the account page, exported, audience (#15 part 3)."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts import consent, services
from marketplace.accounts.consent import ConsentRecord
from marketplace.accounts.models import User
from marketplace.accounts.policies import Policy
from marketplace.extensions import db
from tests.factories import PASSWORD, make_user

REGISTRATION = {"name": "Lan", "email": "lan@test.example", "password": "một mật khẩu dài và riêng",
                "confirm": "một mật khẩu dài và riêng", "preferred_locale": "vi"}


def records():
    return db.session.execute(select(ConsentRecord.user_id, ConsentRecord.given, ConsentRecord.address,
                                     ConsentRecord.policy_version).order_by(ConsentRecord.id)).all()


def test_the_registration_box_is_unticked_by_default(client):
    page = client.get("/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="marketing"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert 'href="/policies/privacy"' in page


def test_registering_without_the_box_records_nothing(client):
    assert client.post_form("/register", REGISTRATION).status_code == 200
    assert db.session.scalar(select(User.id).where(User.email == "lan@test.example")) is not None
    assert records() == []


def test_registering_with_the_box_records_a_grant_with_address_and_policy_version(client):
    client.post_form("/register", {**REGISTRATION, "marketing": "y"})
    user_id = db.session.scalar(select(User.id).where(User.email == "lan@test.example"))
    assert records() == [(user_id, True, "127.0.0.1", 1)]


def test_registering_an_existing_address_never_changes_that_accounts_consent(client):
    existing = make_user("customer", email="lan@test.example")
    db.session.commit()
    client.post_form("/register", {**REGISTRATION, "marketing": "y"})
    assert records() == []
    assert not consent.has_consent(existing)


def test_the_account_page_toggles_consent_and_keeps_each_change(client):
    user = make_user("customer")
    db.session.commit()
    client.login_as(user)
    page = client.get("/account").get_data(as_text=True)
    assert "checked" not in re.search(r'<input[^>]*name="marketing"[^>]*>', page).group(0)
    assert client.post_form("/account/consent", {"marketing": "y"}).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="marketing"[^>]*>', page).group(0)
    client.post_form("/account/consent", {"marketing": "y"})  # the same choice again: no new record
    client.post_form("/account/consent", {})  # unticked: withdrawn
    assert [given for _user, given, _address, _version in records()] == [True, False]
    assert not consent.has_consent(user)


def test_each_record_names_the_privacy_policy_version_shown(client):
    user = make_user("customer")
    admin = make_user("admin")
    db.session.add(Policy(slug="privacy", version=2, title_vi="Quyền riêng tư", title_en="Privacy",
                          body_vi="Mới", body_en="New", updated_by_id=admin.id))
    db.session.commit()
    client.login_as(user)
    client.post_form("/account/consent", {"marketing": "y"})
    assert records()[0][3] == 2


def test_the_personal_data_download_holds_the_consent_history(client):
    user = make_user("customer")
    db.session.commit()
    client.login_as(user)
    client.post_form("/account/consent", {"marketing": "y"})
    client.post_form("/account/consent", {})
    data = client.get("/account/data").get_json()
    assert [(item["purpose"], item["given"], item["address"], item["privacy_policy_version"])
            for item in data["consents"]] == [("marketing_mail", True, "127.0.0.1", 1),
                                              ("marketing_mail", False, "127.0.0.1", 1)]
    assert all(item["at"] for item in data["consents"])


def test_consenting_users_are_those_whose_latest_choice_is_a_grant(app):
    granted, withdrawn, never, unconfirmed, deleted = (make_user("customer") for _ in range(5))
    unconfirmed.email_verified_at = None
    for user in (granted, withdrawn, unconfirmed, deleted):
        consent.choose(user, True, "10.0.0.1")
    consent.choose(withdrawn, False, "10.0.0.2")
    consent.choose(granted, False)
    consent.choose(granted, True)
    db.session.commit()
    assert [user.id for user in db.session.scalars(consent.consenting_users())] == sorted([granted.id, deleted.id])
    services.delete_account(deleted, PASSWORD)
    db.session.commit()
    assert [user.id for user in db.session.scalars(consent.consenting_users())] == [granted.id]
    assert not consent.has_consent(deleted) and not consent.has_consent(never)


def test_deleting_an_account_withdraws_its_consent(client):
    user = make_user("customer")
    db.session.commit()
    client.login_as(user)
    client.post_form("/account/consent", {"marketing": "y"})
    client.post_form("/account/delete", {"password": PASSWORD})
    assert [given for _user, given, _address, _version in records()] == [True, False]


@pytest.mark.parametrize("value", ["y", "", "\u202e", "0"])
def test_anonymous_visitors_cannot_choose(client, value):
    response = client.post_form("/account/consent", {"marketing": value})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert records() == []
