"""Links that leave the site come from PUBLIC_URL, never from the request's Host header (issue #11, item A)."""

import re
from datetime import date

import pytest
from flask import url_for

from marketplace import create_app
from marketplace.config import ProductionConfig
from marketplace.core.mail import outbox_messages
from marketplace.core.security import external_url
from marketplace.extensions import db, limiter
from marketplace.registry import qr
from tests.factories import make_certificate, make_entity, make_product, make_user

EVIL = "http://evil.example"
LINK = re.compile(r"https?://[^\s/]+[^\s]*")


def evil_csrf_token(client):
    """A CSRF token for the client's session on the evil host (cookies follow the host)."""
    page = client.get("/csrf-probe", base_url=EVIL).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def evil_post(client, url, data=None):
    """POST a form to the site as reached through ``Host: evil.example``."""
    return client.post(url, base_url=EVIL, data={"csrf_token": evil_csrf_token(client), **(data or {})})


def links_in_mail(message):
    return LINK.findall(message.get_content())


def assert_only_public_links(app, message):
    links = links_in_mail(message)
    assert links, message.get_content()
    public = app.config["PUBLIC_URL"].rstrip("/") + "/"
    assert all(link.startswith(public) for link in links), links
    assert "evil.example" not in message.get_content()


def test_verification_and_reset_mails_link_to_the_public_url_whatever_the_host(client, app):
    response = evil_post(client, "/register", {"email": "lan@test.example", "password": "núi rừng Tây Bắc 2026",
                                                "confirm": "núi rừng Tây Bắc 2026", "name": "Lan",
                                                "preferred_locale": "vi"})
    assert response.status_code == 200
    assert_only_public_links(app, outbox_messages()[-1])

    make_user(email="binh@test.example")
    db.session.commit()
    assert evil_post(client, "/password/forgot", {"email": "binh@test.example"}).status_code == 200
    reset = outbox_messages()[-1]
    assert reset["To"] == "binh@test.example"
    assert_only_public_links(app, reset)
    assert "/password/reset/" in reset.get_content()


def test_resent_verification_links_to_the_public_url(client, app):
    user = make_user(email="chi@test.example", verified=False)
    db.session.commit()
    with client.session_transaction(base_url=EVIL) as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert evil_post(client, "/verify-email/resend").status_code == 302
    assert_only_public_links(app, outbox_messages()[-1])


def test_invitation_mail_links_to_the_public_url_whatever_the_host(client, app):
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    owner = make_user("vendor", email="owner@test.example", entity=entity)
    db.session.commit()
    with client.session_transaction(base_url=EVIL) as session:
        session["_user_id"] = owner.get_id()
        session["_fresh"] = True
    assert evil_post(client, "/vendor/team/invite", {"email": "staff@test.example"}).status_code == 302
    invitation = outbox_messages()[-1]
    assert invitation["To"] == "staff@test.example"
    assert_only_public_links(app, invitation)
    assert "/invitations/" in invitation.get_content()


def test_qr_codes_and_labels_encode_the_public_url_whatever_the_host(client, app, frozen_clock):
    product = make_product("Chè Đinh Tân Cương", entity=make_entity("HTX Chè Hảo Đạt", province_code="19"))
    certificate = make_certificate(product, stars=4, valid_from=date(2025, 1, 10))
    db.session.commit()
    public = f"{app.config['PUBLIC_URL']}/verify/{certificate.code}"

    svg = client.get(f"/verify/{certificate.code}/qr.svg", base_url=EVIL)
    png = client.get(f"/verify/{certificate.code}/qr.png", base_url=EVIL)
    label = client.get(f"/verify/{certificate.code}/label", base_url=EVIL)

    assert svg.data == qr.qr_svg(public) and png.data == qr.qr_png(public)
    assert public in label.get_data(as_text=True) and "evil.example" not in label.get_data(as_text=True)


def test_external_url_ignores_the_request_and_keeps_the_public_path(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://cho-ocop.example/shop/")
    with app.test_request_context("/", base_url="http://evil.example:8080/other"):
        assert external_url("storefront.verify", code="ABCD1234") == "https://cho-ocop.example/shop/verify/ABCD1234"
        assert url_for("storefront.verify", code="ABCD1234") == "/other/verify/ABCD1234"  # the request is untouched
        assert external_url("account.login", next="/cart", _anchor="top") == (
            "https://cho-ocop.example/shop/login?next=/cart#top")
    assert external_url("storefront.verify", code="X1") == "https://cho-ocop.example/shop/verify/X1"  # no request


# -- Production refuses Host headers it does not know (TRUSTED_HOSTS) -------------------------------------------

def production_app(tmp_path, **settings):
    values = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}", "SECRET_KEY": "a-production-secret",
              "STRIPE_SECRET_KEY": None, "STRIPE_WEBHOOK_SECRET": None, "STRIPE_API_BASE": None, "MAIL_SERVER": None,
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
              "PUBLIC_URL": "https://cho-ocop.example", "TRUSTED_HOSTS": None, "TRUSTED_PROXIES": 0}
    return create_app(type("Config", (ProductionConfig,), {**values, **settings}))


@pytest.fixture
def _suite_limiter_restored(app):
    """Building another app rebinds the shared limiter to its storage: give it back to the suite's app."""
    yield
    limiter.init_app(app)


@pytest.mark.usefixtures("_suite_limiter_restored")
def test_production_answers_400_to_an_unknown_host_and_200_to_the_public_one(tmp_path):
    client = production_app(tmp_path).test_client()

    refused = client.get("/healthz", base_url="https://evil.example")
    assert refused.status_code == 400 and refused.mimetype == "text/plain"  # no error page: nothing was routed
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "cho-ocop.example.evil.example"}).status_code == 400
    assert client.get("/healthz", base_url="https://cho-ocop.example").status_code == 200
    assert client.get("/healthz", base_url="https://cho-ocop.example:443").status_code == 200


@pytest.mark.usefixtures("_suite_limiter_restored")
def test_trusted_hosts_can_name_more_hosts(tmp_path):
    app = production_app(tmp_path, TRUSTED_HOSTS=["cho-ocop.example", "10.0.0.5"])
    client = app.test_client()

    assert client.get("/healthz", base_url="http://10.0.0.5").status_code == 200
    assert client.get("/healthz", base_url="https://cho-ocop.example").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400


def test_the_trusted_hosts_variable_is_a_comma_separated_list(monkeypatch):
    import importlib.util

    import marketplace.config

    monkeypatch.setenv("TRUSTED_HOSTS", " cho-ocop.example, www.cho-ocop.example ,,")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    spec = importlib.util.spec_from_file_location("fresh_marketplace_config", marketplace.config.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)

    assert fresh.Config.TRUSTED_HOSTS == ["cho-ocop.example", "www.cho-ocop.example"]
    assert fresh.Config.TRUSTED_PROXIES == 2
    assert fresh.TestingConfig.TRUSTED_HOSTS is None and fresh.TestingConfig.TRUSTED_PROXIES == 0


