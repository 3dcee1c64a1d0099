"""Registration, verification, sign-in, password reset and change, personal data, and the defences."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEntry
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from tests.factories import PASSWORD, make_user

GOOD_PASSWORD = "núi rừng Tây Bắc 2026"


def link_in_last_mail(pattern):
    body = outbox_messages()[-1].get_content()
    return re.search(rf"http://localhost(/{pattern}/\S+)", body).group(1)


def register(client, email="lan@test.example", password=GOOD_PASSWORD, **extra):
    return client.post_form("/register", {"email": email, "password": password, "confirm": password,
                                          "name": "Lan", "preferred_locale": "vi", **extra})


def login(client, email, password=PASSWORD, **extra):
    return client.post_form("/login", {"email": email, "password": password, **extra})


def test_register_verify_and_sign_in(client):
    response = register(client)
    assert response.status_code == 200 and "lan@test.example" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "lan@test.example"))
    assert user.role == "customer" and user.email_verified_at is None
    assert user.password_hash.startswith("scrypt:")
    message = outbox_messages()[-1]
    assert message["To"] == "lan@test.example" and message["Subject"] == "Xác nhận địa chỉ e-mail của bạn"
    assert client.get(link_in_last_mail("verify-email")).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert login(client, "lan@test.example", GOOD_PASSWORD).status_code == 302
    assert client.get("/api/v1/me").get_json()["email"] == "lan@test.example"


@pytest.mark.parametrize(("password", "message"), [
    ("ngắn quá", "Dùng ít nhất 10 ký tự."),
    ("1234567890", "Mật khẩu này quá phổ biến"),
    ("qwertyuiop", "Mật khẩu này quá phổ biến"),
])
def test_weak_passwords_are_refused_in_the_users_language(client, password, message):
    response = register(client, password=password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registering_a_taken_address_reveals_nothing(client):
    make_user(email="taken@test.example")
    db.session.commit()
    first = register(client, email="taken@test.example").get_data(as_text=True)
    second = register(client, email="free@test.example").get_data(as_text=True)
    strip = lambda page: re.sub(r'content="[^"]+"|value="[^"]+"|\S+@test\.example', "", page)  # noqa: E731
    assert strip(first) == strip(second)
    assert outbox_messages()[0]["To"] == "taken@test.example"
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_failed_sign_in_says_the_same_for_unknown_address_and_wrong_password(client):
    make_user(email="real@test.example")
    db.session.commit()
    wrong = login(client, "real@test.example", "sai mật khẩu rồi")
    unknown = login(client, "nobody@test.example", "sai mật khẩu rồi")
    assert wrong.status_code == unknown.status_code == 401
    message = "Địa chỉ e-mail hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "auth.login_failed")) == 2


def test_sign_in_renews_the_session_and_next_stays_on_site(client):
    user = make_user(email="an@test.example")
    db.session.commit()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = login(client, user.email, next="https://evil.example/")
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"] == user.get_id()
    client.post_form("/logout")
    assert login(client, user.email, query_string={"next": "/search?q=che"}).status_code == 302


def test_login_next_parameter_is_honoured_when_local(client):
    user = make_user(email="binh@test.example")
    db.session.commit()
    response = client.post("/login?next=/search%3Fq%3Dche", data={
        "csrf_token": client.csrf_token(), "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/search?q=che"


def test_forms_without_csrf_token_are_refused(client):
    user = make_user(email="chi@test.example")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(select(User.last_login_at).where(User.id == user.id)) is None
    client.login_as(user)
    assert client.post("/logout").status_code == 400
    assert client.get("/api/v1/me").status_code == 200


def test_eleventh_failed_login_in_a_minute_gets_429_with_retry_after(client):
    make_user(email="dung@test.example")
    db.session.commit()
    statuses = [login(client, "dung@test.example", f"sai mật khẩu số {n}").status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    assert int(login(client, "dung@test.example").headers["Retry-After"]) > 0


def test_password_reset_link_works_once_and_expires(client, monkeypatch):
    user = make_user(email="em@test.example")
    db.session.commit()
    forgot = client.post_form("/password/forgot", {"email": "em@test.example"})
    unknown = client.post_form("/password/forgot", {"email": "ghost@test.example"})
    assert forgot.status_code == unknown.status_code == 200
    assert len(outbox_messages()) == 1
    link = link_in_last_mail("password/reset")
    assert client.post_form(link, {"password": "mật khẩu mới tinh 2026",
                                   "confirm": "mật khẩu mới tinh 2026"}).status_code == 302
    assert login(client, user.email, "mật khẩu mới tinh 2026").status_code == 302
    again = client.post_form(link, {"password": "lại đổi lần nữa 2026", "confirm": "lại đổi lần nữa 2026"})
    assert again.status_code == 400
    client.post_form("/logout")
    client.post_form("/password/forgot", {"email": "em@test.example"})
    late = link_in_last_mail("password/reset")
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 3601)
    assert client.get(late).status_code == 400


def test_password_change_voids_reset_links_and_other_sessions(client, app):
    user = make_user(email="giang@test.example")
    db.session.commit()
    client.post_form("/password/forgot", {"email": user.email})
    link = link_in_last_mail("password/reset")
    other = app.test_client()
    other.login_as(user)
    assert other.get("/api/v1/me").status_code == 200
    client.login_as(user)
    response = client.post_form("/account/password", {"current": PASSWORD, "password": "đổi mật khẩu 2026 nhé",
                                                       "confirm": "đổi mật khẩu 2026 nhé"})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401
    assert client.get(link).status_code == 400


def test_profile_language_and_personal_data(client):
    user = make_user(email="hoa@test.example")
    db.session.commit()
    client.login_as(user)
    client.post_form("/account", {"name": "Hoa", "preferred_locale": "en"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    data = client.get("/account/data")
    assert data.headers["Content-Disposition"].startswith("attachment")
    assert data.get_json()["account"]["email"] == "hoa@test.example"
    response = client.post_form("/account/delete", {"password": PASSWORD})
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.email == f"deleted-{user.id}@invalid.example" and user.name is None and not user.active
    assert login(client, "hoa@test.example").status_code == 401


def test_security_headers_and_cookie_flags(client):
    user = make_user(email="khanh@test.example")
    db.session.commit()
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    response = login(client, user.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_templates_contain_no_inline_script_or_style(app):
    from pathlib import Path

    for path in Path(app.root_path, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "style=" not in text and "<style" not in text, path
