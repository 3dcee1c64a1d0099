"""Signing out ends the session on the server: captured cookies stop working (issue #11, item B)."""

import pytest

from marketplace.extensions import db
from tests.factories import PASSWORD, make_user

COOKIES = ("session", "remember_token")


def signed_in(client):
    return client.get("/api/v1/me").status_code == 200


def replay(app, name, value):
    """A fresh client (another machine) carrying only one captured cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


@pytest.fixture
def signed_in_user(client):
    """A user signed in through the form with "keep me signed in", and the cookies an attacker copied."""
    user = make_user(email="lan@test.example")
    db.session.commit()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    captured = {name: client.get_cookie(name).value for name in COOKIES}
    return user, captured


@pytest.mark.parametrize("cookie", COOKIES)
def test_a_cookie_captured_before_sign_out_is_refused_after_it(client, app, signed_in_user, cookie):
    _user, captured = signed_in_user
    assert signed_in(replay(app, cookie, captured[cookie]))  # the replay really works while signed in

    assert client.post_form("/logout").status_code == 302

    assert not signed_in(client)
    thief = replay(app, cookie, captured[cookie])
    assert not signed_in(thief)
    assert thief.get("/account").status_code == 302  # sent to sign in


def test_sign_out_ends_the_users_other_sessions_and_the_next_sign_in_works(client, app, signed_in_user):
    user, _captured = signed_in_user
    phone = app.test_client()
    assert phone.post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    assert signed_in(phone)

    client.post_form("/logout")

    assert not signed_in(phone)
    assert client.post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    assert signed_in(client)

