"""Migrations build the schema from nothing, load the reference data, and match the models exactly."""

import os
import uuid

import flask_migrate
import psycopg
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.reference.models import LegacyProvince


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database on the same server as the suite (PostgreSQL or SQLite)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(base)
    name = f"mig_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated(empty_database_url):
    """An app whose empty database was brought to the newest revision; yields a raw engine on it too."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        engine = create_engine(empty_database_url)
        yield engine
        engine.dispose()
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_then_no_drift(migrated):
    flask_migrate.check()  # exits when the models and the migrations disagree
    assert db.session.scalar(select(func.count()).select_from(LegacyProvince)) == 63


def test_check_really_detects_drift(migrated):
    """The drift check is not vacuous: an upgraded database missing a column is reported."""
    with migrated.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE listing DROP COLUMN unit")
    with pytest.raises(SystemExit):
        flask_migrate.check()


def test_audit_entries_cannot_be_updated_once_migrated(migrated):
    with migrated.begin() as connection:
        connection.exec_driver_sql("INSERT INTO audit_entry (at, actor, action) VALUES "
                                   "(CURRENT_TIMESTAMP, 'cli:test', 'test.event')")
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_entry SET actor = 'someone else'")
