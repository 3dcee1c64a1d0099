"""``SEARCH_BACKEND``: whoosh by default; postgres only on a PostgreSQL database, refused with a clear message."""

import importlib.util

import pytest

import marketplace.config
from marketplace import create_app
from marketplace.config import ConfigError, DevelopmentConfig, ProductionConfig, TestingConfig


def app_with(tmp_path, base=TestingConfig, **settings):
    """An application of ``base`` with ``settings`` on top (a SQLite file unless a database is given).

    Those that start keep their limits in memory, as the suite's app does: the shared limiter needs no giving back.
    """
    values = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}", **settings}
    return create_app(type("Config", (base,), values))


def fresh_config():
    """A fresh copy of marketplace/config.py, read under the current environment (sys.modules is not touched)."""
    spec = importlib.util.spec_from_file_location("fresh_marketplace_config", marketplace.config.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh


def test_whoosh_is_the_default_and_the_environment_chooses(monkeypatch):
    for name in ("SEARCH_BACKEND", "TEST_SEARCH_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    assert (fresh_config().Config.SEARCH_BACKEND, fresh_config().TestingConfig.SEARCH_BACKEND) == ("whoosh", "whoosh")
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("TEST_SEARCH_BACKEND", "postgres")
    assert (fresh_config().Config.SEARCH_BACKEND, fresh_config().TestingConfig.SEARCH_BACKEND) == (
        "postgres", "postgres")


@pytest.mark.parametrize("base", [TestingConfig, DevelopmentConfig])
def test_postgres_search_refuses_to_start_on_sqlite(tmp_path, base):
    with pytest.raises(ConfigError, match=r"SEARCH_BACKEND=postgres .* PostgreSQL database, but the database is "
                                          r"sqlite: set DATABASE_URL=postgresql"):
        app_with(tmp_path, base=base, SEARCH_BACKEND="postgres")


def test_postgres_search_refuses_the_default_sqlite_database_too(tmp_path):
    with pytest.raises(ConfigError, match="SEARCH_BACKEND=postgres"):
        app_with(tmp_path, base=DevelopmentConfig, SEARCH_BACKEND="postgres", SQLALCHEMY_DATABASE_URI=None)


def test_production_refuses_postgres_search_on_sqlite(tmp_path):
    settings = {"SECRET_KEY": "a-production-secret", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                "STRIPE_SECRET_KEY": None, "STRIPE_WEBHOOK_SECRET": None, "PUBLIC_URL": "https://cho-ocop.example"}
    with pytest.raises(ConfigError, match="SEARCH_BACKEND=postgres"):
        app_with(tmp_path, base=ProductionConfig, SEARCH_BACKEND="postgres", **settings)


def test_an_unknown_backend_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SEARCH_BACKEND must be one of whoosh, postgres, not 'elastic'"):
        app_with(tmp_path, SEARCH_BACKEND="elastic")


def test_postgres_search_starts_on_postgresql(tmp_path):
    url = "postgresql+psycopg://shop@127.0.0.1:5432/shop"  # not connected to at start-up
    assert app_with(tmp_path, SEARCH_BACKEND="postgres", SQLALCHEMY_DATABASE_URI=url).config["SEARCH_BACKEND"] == (
        "postgres")
