"""Start-up configuration: production refuses to run half-configured, tests never leave this machine."""

import contextlib
import importlib.util
import smtplib
import socket

import pytest

import marketplace.config
from marketplace import create_app
from marketplace.config import ConfigError, ProductionConfig
from marketplace.extensions import limiter
from marketplace.payments import stripe_client
from tests.support.network_guard import OutsideConnectionError

MAIL_AND_STRIPE = ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                   "STRIPE_API_BASE")


def production(tmp_path, **settings):
    """A ProductionConfig with everything it needs (whatever the shell exports), then ``settings`` on top."""
    values = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}",
        "SECRET_KEY": "a-production-secret",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
        "STRIPE_API_BASE": None,
        "MAIL_SERVER": None,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",  #: shared storage (not connected to at start-up)
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "PUBLIC_URL": "https://cho-ocop.example",
        "TRUSTED_HOSTS": None,
        "TRUSTED_PROXIES": 0,
    }
    return type("Config", (ProductionConfig,), {**values, **settings})


@pytest.fixture(autouse=True)
def _suite_limiter_restored(app):
    """Building an app rebinds the shared limiter to that app's storage: give it back to the suite's app."""
    yield
    limiter.init_app(app)


@pytest.mark.parametrize(("missing", "named"), [
    ({"SQLALCHEMY_DATABASE_URI": None}, "DATABASE_URL"),
    ({"SQLALCHEMY_DATABASE_URI": ""}, "DATABASE_URL"),
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET"),
    ({"STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY"),
])
def test_production_refuses_to_start_without(tmp_path, missing, named):
    with pytest.raises(ConfigError) as refused:
        create_app(production(tmp_path, **missing))

    message = str(refused.value)
    assert message.startswith("production refuses to start: missing required settings: ")
    assert message.removeprefix("production refuses to start: missing required settings: ").startswith(named)
    if named.startswith("STRIPE"):
        assert "card payment needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in message
    else:
        assert "card payment" not in message


def test_production_without_database_url_does_not_fall_back_to_sqlite(tmp_path):
    """The instance-folder SQLite default is filled after validation, so it cannot hide a missing DATABASE_URL."""
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app(production(tmp_path, SQLALCHEMY_DATABASE_URI=None))


def test_production_names_every_missing_setting(tmp_path):
    with pytest.raises(ConfigError) as refused:
        create_app(production(tmp_path, SQLALCHEMY_DATABASE_URI=None, SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None))

    assert str(refused.value) == (
        "production refuses to start: missing required settings: DATABASE_URL, SECRET_KEY, STRIPE_WEBHOOK_SECRET "
        "(card payment needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)")


def test_production_starts_with_everything_set(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"

    app = create_app(production(tmp_path, SQLALCHEMY_DATABASE_URI=url))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    assert app.config["SECRET_KEY"] == "a-production-secret"
    assert (app.config["STRIPE_SECRET_KEY"], app.config["STRIPE_WEBHOOK_SECRET"]) == ("sk_live_example",
                                                                                     "whsec_example")
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("storage", ["memory://", None, ""])
def test_production_refuses_rate_limits_kept_in_one_process(tmp_path, storage):
    """Per-process counters let every worker grant the full limit again: production needs shared storage."""
    with pytest.raises(ConfigError) as refused:
        create_app(production(tmp_path, RATELIMIT_STORAGE_URI=storage))

    assert str(refused.value) == (
        "production refuses to start: missing required settings: REDIS_URL (rate limits kept in memory count per "
        "process: set REDIS_URL or RATELIMIT_STORAGE_URI to shared storage)")


def test_production_trusts_only_the_public_hosts_name_unless_told_otherwise(tmp_path):
    assert create_app(production(tmp_path)).config["TRUSTED_HOSTS"] == ["cho-ocop.example"]
    assert create_app(production(tmp_path, PUBLIC_URL="https://cho-ocop.example:8443/shop")).config[
        "TRUSTED_HOSTS"] == ["cho-ocop.example"]
    assert create_app(production(tmp_path, TRUSTED_HOSTS=["a.example", "b.example"])).config["TRUSTED_HOSTS"] == [
        "a.example", "b.example"]


@pytest.mark.parametrize("public_url", ["", "cho-ocop.example", "ftp://cho-ocop.example", "https://"])
def test_production_refuses_a_public_url_that_is_not_an_address(tmp_path, public_url):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app(production(tmp_path, PUBLIC_URL=public_url))


def test_production_starts_without_card_payment(tmp_path):
    """Neither Stripe key: card payment is simply off (bank transfer only), which production allows."""
    app = create_app(production(tmp_path, STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None))

    with app.app_context():
        assert not stripe_client.is_configured()


def test_testing_config_ignores_mail_and_stripe_exported_by_the_shell(monkeypatch):
    """A fresh copy of marketplace/config.py, read under a polluted environment (sys.modules is not touched)."""
    for name in MAIL_AND_STRIPE:
        monkeypatch.setenv(name, f"exported-{name.lower()}")
    spec = importlib.util.spec_from_file_location("fresh_marketplace_config", marketplace.config.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)

    assert fresh.Config.MAIL_SERVER == "exported-mail_server"  # the environment really was read
    assert fresh.Config.STRIPE_SECRET_KEY == "exported-stripe_secret_key"
    assert {name: getattr(fresh.TestingConfig, name) for name in MAIL_AND_STRIPE} == dict.fromkeys(MAIL_AND_STRIPE)


def test_the_suite_app_has_mail_and_stripe_off(app):
    assert {name: app.config[name] for name in MAIL_AND_STRIPE} == dict.fromkeys(MAIL_AND_STRIPE)


# -- The safety net (tests/support/network_guard.py) -------------------------------------------------------------

def test_connecting_to_an_outside_address_fails_the_test(network_guard):
    with pytest.raises(OutsideConnectionError, match="203.0.113.1"):
        socket.create_connection(("203.0.113.1", 25), timeout=0.1)
    with socket.socket() as sock, pytest.raises(OutsideConnectionError, match="203.0.113.1"):
        sock.connect(("203.0.113.1", 25))

    assert network_guard.attempts == [("socket.getaddrinfo", "203.0.113.1"),
                                      ("socket.connect", ("203.0.113.1", 25))]
    network_guard.attempts.clear()  # refused on purpose: do not fail this test at teardown


def test_smtp_to_an_outside_server_fails_the_test_before_any_dns_lookup(network_guard):
    with pytest.raises(OutsideConnectionError, match="mail.example.com"):
        smtplib.SMTP("mail.example.com", 587, timeout=0.1)

    assert network_guard.attempts == [("socket.getaddrinfo", "mail.example.com")]
    network_guard.attempts.clear()


def test_real_stripe_fails_the_test_instead_of_becoming_a_stripe_error(app, network_guard):
    """stripe-python wraps any error of its HTTP client; the refusal is a BaseException and gets through."""
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_guard", STRIPE_API_BASE=None)  # i.e. https://api.stripe.com
    try:
        with pytest.raises(OutsideConnectionError, match="api.stripe.com"):
            stripe_client.retrieve_checkout_session("cs_test_guard")
    finally:
        app.config.update(saved)

    assert network_guard.attempts == [("socket.getaddrinfo", "api.stripe.com")]
    network_guard.attempts.clear()


def test_a_swallowed_attempt_is_still_recorded_for_teardown(network_guard):
    with contextlib.suppress(BaseException), socket.socket() as sock:  # code under test that swallows everything
        sock.connect_ex(("198.51.100.7", 443))

    assert network_guard.attempts == [("socket.connect_ex", ("198.51.100.7", 443))]
    network_guard.attempts.clear()


def test_loopback_stays_open():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1), socket.create_connection(
                ("localhost", port), timeout=1):
            pass
