"""Photos on the job queue (JOB_QUEUE=procrastinate, PostgreSQL): the upload request only checks and keeps the file;
the worker decodes, stores and marks the photo ready, once, and buyers see it only then."""

import io
from pathlib import Path

import psycopg
import pytest
from PIL import Image, ImageFile
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from marketplace.core import jobs
from marketplace.extensions import db
from marketplace.jobs.queue import ProcrastinateQueue
from marketplace.shop.catalog.models import Listing, ListingImage
from tests.factories import make_entity, make_listed, make_user

SCHEMA = Path(__file__).resolve().parents[2] / "migrations" / "sql" / "procrastinate-3.10.0.sql"
TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs", "procrastinate_workers")


def libpq(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def empty_queue(url):
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        for table in TABLES:
            connection.execute(f"DELETE FROM {table}")


@pytest.fixture
def queue(app, monkeypatch):
    """procrastinate installed on the app (its schema applied once), without the schedule."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if make_url(url).get_backend_name() != "postgresql":
        pytest.skip("the job queue lives in PostgreSQL (TEST_DATABASE_URL); SQLite runs jobs inline")
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        if connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
            connection.execute(SCHEMA.read_text(encoding="utf-8"))
    empty_queue(url)
    installed = ProcrastinateQueue(app, url, schedule=())
    monkeypatch.setitem(app.extensions, jobs.QUEUE, installed)
    yield installed
    db.session.rollback()
    empty_queue(url)


def work(queue):
    """Run a worker until nothing is due."""
    db.session.rollback()  # the test's own transaction must not hold locks the worker needs
    queue.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)


def queued_jobs():
    rows = db.session.execute(text("SELECT task_name, status::text AS status FROM procrastinate_jobs ORDER BY id"))
    found = [tuple(row) for row in rows]
    db.session.rollback()
    return found


@pytest.fixture
def shop(app, frozen_clock, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setitem(app.config, "MEDIA_ORIGINALS_DIR", str(tmp_path / "originals"))
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_listed("Chè Đinh Tân Cương", entity=entity)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    vendor = make_user("vendor", entity=entity)
    db.session.commit()
    return {"product": product, "listing_id": listing.id, "vendor": vendor, "media": tmp_path / "media",
            "originals": tmp_path / "originals"}


def png(size=(640, 480)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (22, 101, 52)).save(buffer, "PNG")
    return buffer.getvalue()


def files(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def stored(listing_id):
    rows = db.session.scalars(select(ListingImage).where(ListingImage.listing_id == listing_id)
                              .order_by(ListingImage.position)).all()
    return [(row.status, row.width, row.height, row.filename) for row in rows]


def test_the_upload_request_does_not_decode_and_the_worker_prepares_the_photo(client, queue, shop, monkeypatch):
    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original_load(self))
    client.login_as(shop["vendor"])
    response = client.post_form(f"/vendor/listings/{shop['listing_id']}/images?lang=en",
                                {"photo": (io.BytesIO(png()), "tea.png")}, content_type="multipart/form-data",
                                follow_redirects=True)

    assert "Photo uploaded: it appears on the product page once it is ready." in response.get_data(as_text=True)
    assert decoded == []
    [(status, _width, _height, filename)] = stored(shop["listing_id"])
    assert status == "processing"
    assert files(shop["media"]) == [] and files(shop["originals"]) == [filename.removesuffix(".webp")]
    assert queued_jobs() == [("photos.process", "todo")]
    product_page = f"/p/{shop['product'].slug}"
    assert filename not in client.get(product_page).get_data(as_text=True)

    work(queue)

    assert stored(shop["listing_id"]) == [("ready", 640, 480, filename)]
    assert decoded  # the worker decoded it
    assert files(shop["media"]) == sorted([filename, filename.replace(".webp", "_t.webp")])
    assert files(shop["originals"]) == []
    assert queued_jobs() == [("photos.process", "succeeded"), ("photos.discard_original", "succeeded")]
    assert f"/media/listings/{filename}" in client.get(product_page).get_data(as_text=True)

    [(image_id,)] = db.session.execute(select(ListingImage.id)).all()
    jobs.defer("photos.process", image_id=image_id)  # the same job again, as a retry would run it
    db.session.commit()
    work(queue)
    assert stored(shop["listing_id"]) == [("ready", 640, 480, filename)]
    assert queued_jobs()[-1] == ("photos.process", "succeeded") and len(queued_jobs()) == 3
