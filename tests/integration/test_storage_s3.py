"""Photos in an S3 bucket (MEDIA_STORAGE=s3), against a real S3 protocol server the suite starts (moto's).

Uploaded through the vendor page, photos land in the bucket with their type and a year-long immutable cache; pages
link to the bucket (presigned, or public through S3_PUBLIC_URL) and those links, fetched over HTTP, give the bytes;
a second application with the same settings serves the same photos; deleting removes the objects; a bucket that
fails refuses the upload and keeps nothing; the upload waits for the photo job as a private object of the bucket.
"""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.core import jobs, storage, uploads
from marketplace.extensions import db, limiter
from marketplace.shop.catalog import photos as images
from marketplace.shop.catalog.models import Listing, ListingImage
from tests.factories import make_entity, make_listed, make_user
from tests.support import s3_server


@pytest.fixture(scope="module")
def s3():
    """One moto server for the module (each test gets its own bucket)."""
    with s3_server.serve() as server:
        yield server


@pytest.fixture
def bucket(s3):
    return s3.create_bucket()


@pytest.fixture
def s3_settings(app, s3, bucket, tmp_path):
    """The suite's app stores photos in ``bucket`` for one test (its local folder is watched to stay empty)."""
    settings = {**s3.settings(bucket), "MEDIA_DIR": str(tmp_path / "media"),
                "MEDIA_ORIGINALS_DIR": str(tmp_path / "originals")}
    saved = {name: app.config.get(name) for name in (*settings, "S3_PUBLIC_URL")}
    app.config.update(settings)
    yield settings
    app.config.update(saved)


@pytest.fixture
def shop(frozen_clock, s3_settings):
    """A listed tea of entity A and a signed-in vendor of A (pages in English)."""
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_listed("Chè Đinh Tân Cương", entity=entity)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    vendor = make_user("vendor", entity=entity)
    db.session.commit()
    return {"product": product, "listing_id": listing.id, "vendor": vendor}


@pytest.fixture
def vendor_client(client, shop):
    client.login_as(shop["vendor"])
    client.get("/lang/en")
    return client


@pytest.fixture
def _suite_limiter_restored(app):
    """Building a second app rebinds the shared limiter to it: give it back to the suite's app."""
    yield
    limiter.init_app(app)


def jpeg(size=(640, 480)):
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def upload(client, shop, data):
    response = client.post_form(f"/vendor/listings/{shop['listing_id']}/images",
                                {"photo": (io.BytesIO(data), "photo.jpg")}, content_type="multipart/form-data",
                                follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def stored(listing_id):
    return db.session.scalars(select(ListingImage).where(ListingImage.listing_id == listing_id)
                              .order_by(ListingImage.position)).all()


def image_sources(page, css_class):
    """The ``src`` of every ``<img class="<css_class>">`` of ``page`` (HTML-unescaped)."""
    tags = re.findall(rf'<img class="{css_class}"[^>]*>', page, re.S)
    return [re.search(r'src="([^"]+)"', tag).group(1).replace("&amp;", "&") for tag in tags]


def fetch(url):
    """GET ``url`` over HTTP, as a browser would."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


# --- storing --------------------------------------------------------------------------------------------------


def test_upload_puts_photo_and_thumbnail_in_the_bucket_with_type_and_year_long_cache(vendor_client, shop, s3,
                                                                                     bucket, s3_settings):
    assert "Photo added." in upload(vendor_client, shop, jpeg())

    (row,) = stored(shop["listing_id"])
    assert s3.keys(bucket) == sorted([f"listings/{row.filename}", f"listings/{row.thumbnail}"])
    for name, size in ((row.filename, (640, 480)), (row.thumbnail, (400, 300))):
        found = s3.client.get_object(Bucket=bucket, Key=f"listings/{name}")
        assert found["ContentType"] == "image/webp"
        assert found["CacheControl"] == "public, max-age=31536000, immutable"
        with Image.open(io.BytesIO(found["Body"].read())) as picture:
            assert (picture.format, picture.size) == ("WEBP", size)
    media = Path(s3_settings["MEDIA_DIR"])
    assert not media.exists() or not any(media.iterdir())  # nothing written locally


class HeldJobs:
    """A job queue whose worker has not run yet: deferred jobs wait here until the test runs them."""

    def __init__(self):
        self.waiting = []

    def enqueue(self, _session, name, args):
        self.waiting.append((name, args))


def test_the_upload_waits_for_the_photo_job_as_a_private_object_any_server_can_read(vendor_client, shop, s3, bucket,
                                                                                    app, monkeypatch):
    held = HeldJobs()
    monkeypatch.setitem(app.extensions, jobs.QUEUE, held)
    data = jpeg()
    assert "Photo uploaded: it appears on the product page once it is ready." in upload(vendor_client, shop, data)
    (row,) = stored(shop["listing_id"])
    key = f"originals/{row.filename.removesuffix('.webp')}"
    assert (row.status, s3.keys(bucket)) == ("processing", [key])
    found = s3.client.get_object(Bucket=bucket, Key=key)
    assert found["Body"].read() == data and found["CacheControl"] == "private, no-store"
    assert requests.get(f"{s3.endpoint}/{bucket}/{key}", timeout=10).status_code == 403  # never public

    while held.waiting:  # the worker: it reads the original from the bucket, not from this server's disk
        jobs.run(*held.waiting.pop(0))

    db.session.refresh(row)
    assert row.status == "ready"
    assert s3.keys(bucket) == sorted([f"listings/{row.filename}", f"listings/{row.thumbnail}"])


def test_pages_link_photos_in_the_bucket_and_the_links_give_the_bytes(vendor_client, shop, s3, bucket):
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])
    product_page = vendor_client.get(f"/p/{shop['product'].slug}")
    page = product_page.get_data(as_text=True)

    (cover,) = image_sources(page, "product-picture")
    assert cover.startswith(f"{s3.endpoint}/{bucket}/listings/{row.filename}?")  # presigned: the bucket itself
    served = fetch(cover)
    assert served.content == s3.client.get_object(Bucket=bucket, Key=f"listings/{row.filename}")["Body"].read()
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert f"img-src 'self' data: {s3.endpoint}" in product_page.headers["Content-Security-Policy"]

    (card,) = image_sources(vendor_client.get("/").get_data(as_text=True), "card-photo")
    assert card.startswith(f"{s3.endpoint}/{bucket}/listings/{row.thumbnail}?")
    with Image.open(io.BytesIO(fetch(card).content)) as thumbnail:
        assert thumbnail.size == (400, 300)
    assert image_sources(vendor_client.get(f"/p/{shop['product'].slug}").get_data(as_text=True),
                         "product-picture") == [cover]  # the same URL again: browsers keep their cached copy


def test_unsigned_links_are_refused_by_the_bucket(vendor_client, shop, s3, bucket):
    """The bucket is private: only the presigned links the pages carry open a photo."""
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])
    assert requests.get(f"{s3.endpoint}/{bucket}/listings/{row.filename}", timeout=10).status_code == 403


def test_public_bucket_address_gives_plain_stable_links(vendor_client, shop, s3, app):
    public = s3.create_bucket(public=True)
    app.config.update(S3_BUCKET=public, S3_PUBLIC_URL=f"{s3.endpoint}/{public}/")
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])

    page = vendor_client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)

    (cover,) = image_sources(page, "product-picture")
    assert cover == f"{s3.endpoint}/{public}/listings/{row.filename}"
    assert fetch(cover).headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_apps_own_media_address_redirects_to_the_bucket(vendor_client, shop):
    """Links made before the move, or shared (OpenGraph), still open the photo."""
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])

    response = vendor_client.get(f"/media/listings/{row.filename}")

    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    with Image.open(io.BytesIO(fetch(response.headers["Location"]).content)) as photo:
        assert photo.size == (640, 480)
    assert vendor_client.get("/media/listings/not-a-photo.webp").status_code == 404


def test_deleting_a_photo_deletes_its_objects(vendor_client, shop, s3, bucket):
    upload(vendor_client, shop, jpeg())
    upload(vendor_client, shop, jpeg((300, 200)))
    first, second = stored(shop["listing_id"])

    response = vendor_client.post_form(f"/vendor/listings/{shop['listing_id']}/images/{first.id}/delete",
                                       follow_redirects=True)

    assert "Photo removed." in response.get_data(as_text=True)
    assert [row.id for row in stored(shop["listing_id"])] == [second.id]
    assert s3.keys(bucket) == sorted([f"listings/{second.filename}", f"listings/{second.thumbnail}"])


def test_a_bucket_that_fails_refuses_the_upload_and_keeps_nothing(vendor_client, shop, s3, app):
    app.config["S3_BUCKET"] = "photos-never-created"

    page = upload(vendor_client, shop, jpeg())

    assert "Photos cannot be stored right now. Please try again in a few minutes." in page
    assert stored(shop["listing_id"]) == []
    assert storage.problem() == "bucket 'photos-never-created' does not answer (ClientError)"


@pytest.mark.usefixtures("_suite_limiter_restored")
def test_a_second_app_with_the_same_settings_serves_the_photo_uploaded_through_the_first(
        vendor_client, shop, s3, bucket, app, tmp_path):
    """Uploaded through server A, served by server B: nothing of the photo lives in A's instance folder."""
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])
    uploaded = s3.client.get_object(Bucket=bucket, Key=f"listings/{row.filename}")["Body"].read()

    class Second(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
        MEDIA_DIR = str(tmp_path / "second-media")

    for name, value in s3.settings(bucket).items():
        setattr(Second, name, value)
    second = create_app(Second)
    try:
        with second.app_context():
            visitor = second.test_client()
            page = visitor.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
            (cover,) = image_sources(page, "product-picture")
            assert fetch(cover).content == uploaded
            redirected = visitor.get(f"/media/listings/{row.filename}")
            assert fetch(redirected.headers["Location"]).content == uploaded
            db.session.remove()
    finally:
        with second.app_context():
            db.engine.dispose()
    assert not (tmp_path / "second-media").exists() or not any((tmp_path / "second-media").iterdir())


def test_local_storage_is_untouched_by_the_s3_settings_being_absent(client, app, frozen_clock, tmp_path):
    """The default: files in the instance folder, pages link the app's own media route."""
    assert app.config["MEDIA_STORAGE"] == "local"
    assert images.stored_url("a" * 32 + ".webp") is None
    assert storage.problem() is None and storage.media_origin() is None
    assert client.get("/").headers["Content-Security-Policy"].count("img-src 'self' data:;") == 1


def test_migrate_to_s3_copies_the_local_photos_into_the_bucket(vendor_client, shop, s3, bucket, app, runner):
    """Moving an existing shop: photos uploaded while local are copied, then the pages link them in the bucket."""
    app.config["MEDIA_STORAGE"] = "local"
    upload(vendor_client, shop, jpeg())
    (row,) = stored(shop["listing_id"])
    assert runner.invoke(args=["media", "migrate-to-s3"]).exit_code == 1  # still local: nothing to copy into
    app.config["MEDIA_STORAGE"] = "s3"
    assert s3.keys(bucket) == []

    result = runner.invoke(args=["media", "migrate-to-s3"])

    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"2 file(s) copied to bucket {bucket}, 0 missing\n")
    assert s3.keys(bucket) == sorted([f"listings/{row.filename}", f"listings/{row.thumbnail}"])
    found = s3.client.head_object(Bucket=bucket, Key=f"listings/{row.thumbnail}")
    assert (found["ContentType"], found["CacheControl"]) == ("image/webp", storage.CACHE_CONTROL)
    page = vendor_client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
    (cover,) = image_sources(page, "product-picture")
    assert fetch(cover).content == (Path(app.config["MEDIA_DIR"]) / row.filename).read_bytes()


def test_an_import_file_waits_in_the_bucket_between_dry_run_and_import(app, s3, bucket, s3_settings):
    """With several app servers the confirmation may reach another one: the waiting file lives in the bucket."""
    with app.test_request_context("/"):
        upload = FileStorage(io.BytesIO(b"code,name\n1,Ch\xc3\xa8\n"), filename="registry.csv")
        result, token = uploads.dry_run(upload, 7, lambda path: SimpleNamespace(ok=path.exists()))
        assert result.ok
        assert s3.keys(bucket) == [f"uploads/7-{token}"]
        assert not list(uploads.uploads_dir().glob(f"*{token}"))
        with pytest.raises(NotFound):
            uploads.run_stashed(8, token, lambda path: None)  # another uploader's token finds nothing
        assert uploads.run_stashed(7, token, lambda path: path.read_bytes()) == b"code,name\n1,Ch\xc3\xa8\n"
        assert s3.keys(bucket) == []
