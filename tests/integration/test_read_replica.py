"""Browsing reads from a real PostgreSQL streaming standby, and a visitor always sees their own writes.

The suite starts its own primary and a standby made by ``pg_basebackup -R`` on free loopback ports
(``deploy/loopback.py``). Replay on the standby is paused to make replica reads observable: a change committed on
the primary then stays invisible there until replay resumes. Runs in the PostgreSQL pass of the suite.
"""

import os
import re
import shutil
import tempfile
import time

import pytest
from sqlalchemy import func, select, text

from deploy import loopback
from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.core import pagecache, replica
from marketplace.extensions import db
from marketplace.reference.sync import load_reference
from marketplace.shop.catalog.models import Listing
from tests.factories import make_entity, make_listed, make_user

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="runs in the PostgreSQL pass")


@pytest.fixture(scope="module")
def servers():
    """A primary and its streaming standby, both ours, stopped at the end."""
    folder = tempfile.mkdtemp(prefix="ocop-replica-")
    primary = loopback.postgres_primary(folder)
    try:
        standby = loopback.postgres_standby(primary, folder)
    except BaseException:
        primary.stop()
        raise
    yield primary, standby
    standby.stop()
    primary.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def replica_app(servers, tmp_path_factory):
    """The application on the primary, reading browsing pages from the standby."""
    primary, standby = servers

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = primary.url
        DATABASE_REPLICA_URL = standby.url
        SEARCH_INDEX_DIR = str(tmp_path_factory.mktemp("replica-index"))

    application = create_app(Config)
    with application.app_context():
        db.create_all()
        with db.engine.begin() as connection:
            load_reference(connection)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
        application.extensions["replica"]["engine"].dispose()


def caught_up(primary, standby):
    """Wait until the standby has replayed everything the primary wrote."""
    target = primary.psql("SELECT pg_current_wal_lsn()")
    for _ in range(200):
        if standby.psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.05)
    raise TimeoutError("the standby did not catch up")


def shows_soon(client, url, text, seconds=5):
    """True once ``url`` shows ``text``, asked again for up to ``seconds``.

    ``caught_up`` watches the standby's replay position; on a loaded machine its first answer after that has been
    seen to still carry the older row (about one run in ten), so the outcome is what is checked, not the instant.
    """
    for _ in range(int(seconds / 0.1)):
        if text in client.get(url).get_data(as_text=True):
            return True
        time.sleep(0.1)
    return False


def pause(standby):
    """Pause replay on the standby and wait until it is paused (a pause is only requested at first)."""
    standby.psql("SELECT pg_wal_replay_pause()")
    for _ in range(100):
        if standby.psql("SELECT pg_get_wal_replay_pause_state()") == "paused":
            return
        time.sleep(0.05)
    raise TimeoutError("the standby did not pause")


@pytest.fixture
def paused(servers):
    """Replay on the standby is paused for the test, then resumed."""
    primary, standby = servers
    caught_up(primary, standby)
    pause(standby)
    yield
    standby.psql("SELECT pg_wal_replay_resume()")


def test_a_replica_reading_request_queries_the_standby(replica_app):
    """Inside a ``@replica_reads`` request SELECTs reach the standby; writes and locking reads the primary."""
    with replica_app.test_request_context("/"):
        assert db.session.scalar(select(func.pg_is_in_recovery())) is False
        replica.use_replica()
        assert db.session.scalar(select(func.pg_is_in_recovery())) is True
        assert db.session.scalar(select(func.pg_is_in_recovery()).with_for_update()) is False
        assert db.session.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
        db.session.rollback()


def test_browsing_reads_the_replica_and_each_visitor_sees_their_own_writes(replica_app, servers, paused):
    """A rename on the primary is unseen by browsing until replay; the visitor who wrote reads the primary."""
    primary, standby = servers
    with replica_app.app_context():
        entity = make_entity("HTX Chè Cũ")
        listed = make_listed("Chè Thái Nguyên", entity=entity)
        buyer = make_user()
        db.session.commit()
        slug, buyer_id = entity.slug, buyer.get_id()
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == listed.id))
        db.session.remove()
        standby.psql("SELECT pg_wal_replay_resume()")
        caught_up(primary, standby)
        pause(standby)

        db.session.scalar(select(type(entity)).where(type(entity).slug == slug)).name = "HTX Chè Mới"
        db.session.commit()

    visitor = replica_app.test_client()
    assert "HTX Chè Cũ" in visitor.get(f"/e/{slug}").get_data(as_text=True)  # the standby, still behind

    writer = replica_app.test_client()
    with writer.session_transaction() as session:
        session["_user_id"] = buyer_id
    page = writer.get(f"/e/{slug}").get_data(as_text=True)
    assert "HTX Chè Cũ" in page  # signed in, but has written nothing yet: the standby answers
    token = _csrf(writer)
    added = writer.post("/cart/add", data={"csrf_token": token, "listing_id": listing_id, "quantity": 1})
    assert added.status_code in (302, 303), added.get_data(as_text=True)[:2000]
    with writer.session_transaction() as session:
        assert added.headers["Location"].endswith("/cart"), (added.headers["Location"], session.get("_flashes"),
                                                             dict(session))
        assert replica.WAL_KEY in session, dict(session)
    assert "HTX Chè Mới" in writer.get(f"/e/{slug}").get_data(as_text=True)  # own write pending: the primary
    assert "HTX Chè Cũ" in visitor.get(f"/e/{slug}").get_data(as_text=True)

    standby.psql("SELECT pg_wal_replay_resume()")
    caught_up(primary, standby)
    assert shows_soon(visitor, f"/e/{slug}", "HTX Chè Mới")
    assert "HTX Chè Mới" in writer.get(f"/e/{slug}").get_data(as_text=True)  # caught up: the standby again
    with writer.session_transaction() as session:
        assert replica.WAL_KEY not in session


def test_an_unreachable_replica_leaves_the_primary_answering(replica_app, servers):
    """With the standby stopped, browsing pages still answer (from the primary) instead of failing."""
    primary, standby = servers
    with replica_app.app_context():
        entity = make_entity("HTX Gạo Sạch")
        make_listed("Gạo ST25", entity=entity)
        db.session.commit()
        caught_up(primary, standby)
        slug = entity.slug
    standby.stop()
    try:
        client = replica_app.test_client()
        for _ in range(3):
            page = client.get(f"/e/{slug}")
            assert page.status_code == 200
            assert "HTX Gạo Sạch" in page.get_data(as_text=True)
        with replica_app.app_context():
            assert replica.replica_engine() is None  # resting: the primary answers without trying again
    finally:
        standby.start()
        replica_app.extensions["replica"]["down_until"] = 0.0


def _csrf(client):
    page = client.get("/csrf-probe").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_a_page_rendered_for_the_cache_reads_the_primary(replica_app, servers, paused):
    """The page cache stores a page under the generation the primary's commit moved on to: never a standby's page."""
    primary, standby = servers
    with replica_app.app_context():
        entity = make_entity("HTX Mật Ong Cũ")
        make_listed("Mật ong hoa nhãn", entity=entity)
        db.session.commit()
        slug = entity.slug
        db.session.remove()
        standby.psql("SELECT pg_wal_replay_resume()")
        caught_up(primary, standby)
        pause(standby)
        db.session.scalar(select(type(entity)).where(type(entity).slug == slug)).name = "HTX Mật Ong Mới"
        db.session.commit()
        replica_app.config["PAGE_CACHE"] = "on"
        pagecache.clear()
    try:
        visitor = replica_app.test_client()
        page = visitor.get(f"/e/{slug}")
        assert page.headers["X-Page-Cache"] == "miss"
        assert "HTX Mật Ong Mới" in page.get_data(as_text=True)  # rendered for the cache: from the primary
        assert "HTX Mật Ong Mới" in visitor.get(f"/e/{slug}").get_data(as_text=True)
    finally:
        replica_app.config["PAGE_CACHE"] = "off"
