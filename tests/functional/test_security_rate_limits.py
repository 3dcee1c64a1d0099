"""Rate limits that hold: the client a trusted proxy names, failed sign-ins per account (issue #11, item C)."""

import re

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestingConfig
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db, limiter
from tests.factories import PASSWORD, make_user

LOCKED = "sign-in-locked"  # the notice on the sign-in page offering a mailed sign-in link


def login(client, email, password, address="192.0.2.1", **headers):
    return client.post_form("/login", {"email": email, "password": password},
                            environ_base={"REMOTE_ADDR": address}, headers=headers)


def signed_in(client):
    return client.get("/api/v1/me").status_code == 200


def link_in_last_mail():
    body = outbox_messages()[-1].get_content()
    return re.search(r"http://localhost(/login/link/\S+)", body).group(1)


# -- Which address a limit counts --------------------------------------------------------------------------------

def test_without_trusted_proxies_a_spoofed_forwarded_for_does_not_escape_the_limit(client):
    statuses = [login(client, f"nguoi{n}@test.example", "sai mật khẩu", **{"X-Forwarded-For": f"198.51.100.{n}"})
                .status_code for n in range(11)]

    assert statuses == [401] * 10 + [429]


@pytest.fixture
def proxied(app):
    """The factory's app behind one trusted proxy (TRUSTED_PROXIES=1), on the suite's database."""
    config = type("Config", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TRUSTED_PROXIES": 1,
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"], "WTF_CSRF_ENABLED": False})
    behind_proxy = create_app(config)
    yield behind_proxy
    with behind_proxy.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the shared limiter follows the last app built: give it back to the suite's app


def proxied_login(client, n, forwarded_for):
    """A failed sign-in arriving from the proxy (10.0.0.2), which names the client in X-Forwarded-For."""
    return client.post("/login", data={"email": f"khach{n}@test.example", "password": "sai mật khẩu"},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={"X-Forwarded-For": forwarded_for})


def test_behind_one_trusted_proxy_each_client_has_its_own_bucket(proxied):
    client = proxied.test_client()

    first = [proxied_login(client, n, "192.0.2.10").status_code for n in range(11)]
    second = proxied_login(client, 11, "192.0.2.20")

    assert first == [401] * 10 + [429]
    assert second.status_code == 401


def test_behind_one_trusted_proxy_what_a_client_writes_before_the_proxy_is_ignored(proxied):
    client = proxied.test_client()

    statuses = [proxied_login(client, n, f"203.0.113.{n}, 192.0.2.10").status_code for n in range(11)]

    assert statuses == [401] * 10 + [429]


# -- Failed sign-ins per account ---------------------------------------------------------------------------------

@pytest.fixture
def victim():
    user = make_user(email="nan-nhan@test.example")
    db.session.commit()
    return user


def lock(client, email):
    """Ten failures for ``email`` from ten addresses: an attacker rotating addresses."""
    statuses = [login(client, email, f"đoán thử số {n}", address=f"198.51.100.{n}").status_code for n in range(10)]
    assert statuses == [401] * 10


def test_an_attacker_rotating_addresses_is_stopped_per_account(client, victim):
    lock(client, victim.email)

    wrong = login(client, victim.email, "đoán thử lần nữa", address="198.51.100.77")
    right = login(client, victim.email, PASSWORD, address="198.51.100.78")  # even a correct guess gets nothing

    assert wrong.status_code == right.status_code == 429
    assert LOCKED in right.get_data(as_text=True) and int(right.headers["Retry-After"]) > 0
    assert not signed_in(client)
    assert db.session.scalar(select(User.last_login_at).where(User.id == victim.id)) is None
    other = make_user(email="khac@test.example")
    db.session.commit()
    assert login(client, other.email, PASSWORD, address="198.51.100.79").status_code == 302  # only that account


def test_a_locked_unknown_address_looks_like_a_locked_account(client, victim):
    lock(client, victim.email)
    lock(client, "khong-co@test.example")

    known = login(client, victim.email, "sai", address="198.51.100.90")
    unknown = login(client, "khong-co@test.example", "sai", address="198.51.100.91")

    assert known.status_code == unknown.status_code == 429
    strip = lambda page: re.sub(r'content="[^"]+"|value="[^"]+"|\S+@test\.example', "", page)  # noqa: E731
    assert strip(known.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))


def test_the_real_user_still_gets_in_with_a_single_use_link_mailed_to_the_account(client, app, victim):
    lock(client, victim.email)
    refused = login(client, victim.email, PASSWORD, address="203.0.113.7")
    assert refused.status_code == 429 and 'action="/login/link"' in refused.get_data(as_text=True)

    asked = client.post_form("/login/link", {"email": victim.email}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert asked.status_code == 200
    assert outbox_messages()[-1]["To"] == victim.email
    link = link_in_last_mail()

    assert client.get(link).status_code == 200 and not signed_in(client)  # opening the mail signs nobody in
    assert client.post_form(link).status_code == 302
    assert signed_in(client)

    thief = app.test_client()
    assert thief.post_form(link).status_code == 400  # single use
    assert not signed_in(thief)
    client.post_form("/logout")
    assert login(client, victim.email, PASSWORD, address="203.0.113.7").status_code == 302  # failures forgotten


def test_sign_in_link_requests_reveal_nothing_and_cannot_flood_a_mailbox(client, victim):
    pages = [client.post_form("/login/link", {"email": email}).get_data(as_text=True)
             for email in ("khong-co@test.example", victim.email, victim.email, victim.email)]

    strip = lambda page: re.sub(r'content="[^"]+"|value="[^"]+"|\S+@test\.example', "", page)  # noqa: E731
    assert len({strip(page) for page in pages}) == 1
    assert [message["To"] for message in outbox_messages()] == [victim.email]  # one mail per account per window
    assert client.post_form(link_in_last_mail()).status_code == 302  # and that one works


def test_a_sign_in_link_dies_when_the_account_signs_in_another_way(client, app, victim):
    client.post_form("/login/link", {"email": victim.email})
    link = link_in_last_mail()

    assert login(app.test_client(), victim.email, PASSWORD).status_code == 302

    assert client.get(link).status_code == 400
    assert client.post_form(link).status_code == 400
