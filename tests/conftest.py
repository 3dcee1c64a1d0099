"""Fixtures in layers: one app and schema per session, a clean database per test, factories, clocks."""

import os
import re
from datetime import date, datetime, time

import flask_babel
import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import delete, event

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.core import clock, memo, pagecache, pending
from marketplace.extensions import db, limiter
from marketplace.reference.sync import load_reference
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product
from tests.support.network_guard import NetworkGuard, OutsideConnectionError, service_hosts

#: Tables that hold reference data: created once, never cleaned between tests.
REFERENCE_TABLES = {"province", "legacy_province", "sector", "product_group", "criteria_set"}


def database_url(tmp_path_factory):
    """PostgreSQL when TEST_DATABASE_URL is set (it must then work), else a SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session", autouse=True)
def _network_guard_installed():
    """Once per run: no connection leaves this machine (tests/support/network_guard.py); loopback is free."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield NetworkGuard(allowed_hosts=service_hosts()).install(monkeypatch)


#: Set on a test item when its setup or call already failed on the network guard's refusal.
REFUSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember a failure the guard raised, so its teardown does not report the same attempt twice."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(OutsideConnectionError):
        item.stash[REFUSED] = True
    return report


@pytest.fixture(autouse=True)
def network_guard(request, _network_guard_installed):
    """Fail the test if it tried to reach outside, even when the code under test swallowed the refusal."""
    guard = _network_guard_installed
    guard.attempts.clear()
    yield guard
    attempts = list(guard.attempts)
    guard.attempts.clear()
    if attempts and not request.node.stash.get(REFUSED, False):
        pytest.fail(f"the test tried to reach outside this machine: {attempts}", pytrace=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application with a fresh schema (create_all is for tests only; migrations are tested apart)."""
    url = database_url(tmp_path_factory)

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_INDEX_DIR = str(tmp_path_factory.mktemp("index"))

    application = create_app(Config)
    with application.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as connection:
            load_reference(connection)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request, app, tmp_path):
    """Each test starts with only reference data, an empty outbox and fresh rate limits, in an app context."""
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search-index")
    with app.app_context():
        limiter.reset()
        pending.clear()  # product views and recently viewed waiting to be written (core/pending)
        memo.clear()  # figures kept per catalogue generation (the database is emptied without a commit that bumps it)
        yield
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    connection.execute(delete(table))
        pagecache.clear()  # rows deleted behind the ORM's back move no generation on


class Client(FlaskClient):
    """Test client whose requests do not share the locale cached on the test's app context."""

    def open(self, *args, **kwargs):
        flask_babel.refresh()
        g.__dict__.clear()  # the test's app context is shared: forget the last request's user, CSRF token...
        return super().open(*args, **kwargs)

    def csrf_token(self):
        """A valid CSRF token for this client's session (read from any page's meta tag)."""
        page = self.get("/csrf-probe").get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def login_as(self, user):
        """Sign ``user`` in directly (no form, no rate limit)."""
        with self.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    def post_form(self, url, data=None, **kwargs):
        """POST a form with a valid CSRF token added."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


@pytest.fixture
def client(app):
    """A test client."""
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


class FrozenClock:
    """A clock the test moves by hand; ``marketplace.core.clock.now`` reads it."""

    def __init__(self, day):
        self.current = datetime.combine(day, time(12, 0), tzinfo=clock.TIMEZONE)

    def set(self, day, at=time(12, 0)):
        """Move to ``day`` at ``at`` (Vietnam time)."""
        self.current = datetime.combine(day, at, tzinfo=clock.TIMEZONE)

    def now(self):
        return self.current


@pytest.fixture
def frozen_clock(monkeypatch):
    """Freeze 'today' at 2026-11-23 unless the test moves it."""
    frozen = FrozenClock(date(2026, 11, 23))
    monkeypatch.setattr(clock, "now", frozen.now)
    return frozen


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements: ``with count_queries() as counter: ...; counter.count``."""

    class Counter:
        def __init__(self):
            self.count = 0
            self.statements = []

        def __call__(self, conn, cursor, statement, *args):
            self.count += 1
            self.statements.append(statement)

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self)

    return Counter


@pytest.fixture
def catalogue(frozen_clock):
    """A small storefront: listed products in several provinces, groups and star levels, plus hidden ones."""
    hao_dat = make_entity("HTX Chè Hảo Đạt", province_code="19")
    khai_hoan = make_entity("CTCP TM Khải Hoàn", entity_type="enterprise", province_code="91")
    products = {
        "che": make_listed("Chè Đinh Tân Cương", stars=5, price_vnd=350000, entity=hao_dat, criteria_set_code="11"),
        "tra": make_listed("Trà tôm nõn hương quê", stars=4, price_vnd=220000, entity=hao_dat, criteria_set_code="11"),
        "mam": make_listed("Nước mắm Phú Quốc 40 độ đạm", stars=4, price_vnd=120000, entity=khai_hoan,
                           criteria_set_code="09"),
        "tieu": make_listed("Tiêu sọ Phú Quốc", stars=3, price_vnd=90000, stock=0, entity=khai_hoan,
                            criteria_set_code="10"),
        "gom": make_listed("Bình gốm men lam Bát Tràng", stars=3, price_vnd=1500000, criteria_set_code="21",
                           entity=make_entity("HTX Gốm sứ Bát Tràng", province_code="01")),
    }
    expired = make_product("Mắm tôm hết hạn", entity=khai_hoan, criteria_set_code="09")
    make_certificate(expired, valid_from=date(2022, 1, 1))
    make_listing(expired)
    products["expired"] = expired
    db.session.commit()
    return products
