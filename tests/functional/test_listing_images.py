"""Listing photos: checked in the request, re-encoded to WebP without metadata by the photo job, thumbnails, limits,
scoping, serving; a photo being prepared or refused by the job is never shown to buyers."""

import io
import re
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile
from sqlalchemy import func, select

from marketplace.core import jobs
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.catalog import photos as images
from marketplace.shop.catalog.models import Listing, ListingImage
from tests.factories import make_entity, make_listed, make_user

# --- images made in memory ---------------------------------------------------------------------------------


def two_colour(size=(300, 200)):
    """Left half blue, right half red: shows which way the picture was turned."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    return image


def jpeg_with_metadata(orientation=6, size=(300, 200)):
    """A JPEG with EXIF (orientation, camera, GPS), an ICC profile and XMP."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Canon"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 35.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 50.0, 30.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    two_colour(size).save(buffer, "JPEG", quality=95, exif=exif, icc_profile=icc,
                          xmp=b"<x:xmpmeta>Tan Cuong farm</x:xmpmeta>")
    return buffer.getvalue()


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_declaring(width, height):
    """A valid black-and-white PNG of ``width`` × ``height``: tiny on disk, huge once decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture
def media(app, tmp_path, monkeypatch):
    """Photos go to a folder of this test, and the uploads waiting for the photo job to another."""
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setitem(app.config, "MEDIA_ORIGINALS_DIR", str(tmp_path / "originals"))
    return tmp_path / "media"


@pytest.fixture
def shop(frozen_clock, media):
    """A listed product of entity A with its vendor; a vendor of entity B."""
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_listed("Chè Đinh Tân Cương", entity=entity)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    vendor = make_user("vendor", entity=entity)
    other = make_user("vendor", entity=make_entity("HTX Sài Gòn Xanh", province_code="79"))
    db.session.commit()
    return {"product": product, "listing_id": listing.id, "vendor": vendor, "other": other, "media": media,
            "originals": media.parent / "originals"}


def page_url(shop):
    return f"/vendor/listings/{shop['listing_id']}/images"


def upload(client, shop, data, name="photo.jpg"):
    """Upload ``data`` as ``name``; the page shown after the redirect, in English."""
    response = client.post_form(page_url(shop), {"photo": (io.BytesIO(data), name)},
                                content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def vendor_client(client, shop):
    client.login_as(shop["vendor"])
    client.get("/lang/en")  # messages are compared in English (source strings)
    return client


def stored(listing_id):
    return db.session.scalars(select(ListingImage).where(ListingImage.listing_id == listing_id)
                              .order_by(ListingImage.position)).all()


def files(media):
    return sorted(path.name for path in media.iterdir()) if media.exists() else []


# --- uploads -----------------------------------------------------------------------------------------------


def test_jpeg_is_reencoded_to_webp_upright_without_metadata_with_thumbnail(vendor_client, shop):
    page = upload(vendor_client, shop, jpeg_with_metadata(orientation=6))
    assert "Photo added." in page
    (row,) = stored(shop["listing_id"])
    assert row.status == "ready"  # without a queue the photo job ran right after the upload's commit
    assert (row.width, row.height) == (200, 300)  # orientation 6: turned a quarter clockwise
    assert sorted([row.filename, row.thumbnail]) == files(shop["media"])
    assert files(shop["originals"]) == []  # the upload kept for the job is gone once the photo is ready
    assert images.FILENAME.fullmatch(row.filename) and images.FILENAME.fullmatch(row.thumbnail)

    with Image.open(shop["media"] / row.filename) as photo:
        assert photo.format == "WEBP"
        assert photo.size == (200, 300)
        for key in ("exif", "icc_profile", "xmp"):
            assert key not in photo.info
        assert not photo.getexif()
        photo = photo.convert("RGB")
        top, bottom = photo.getpixel((100, 30)), photo.getpixel((100, 270))
    assert top[2] > 150 and top[0] < 100  # the left (blue) half is now on top
    assert bottom[0] > 150 and bottom[2] < 100
    data = (shop["media"] / row.filename).read_bytes()
    assert b"Canon" not in data and b"Tan Cuong" not in data

    with Image.open(shop["media"] / row.thumbnail) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) <= images.THUMBNAIL_SIDE
        assert "exif" not in thumbnail.info


def test_large_photo_is_capped_and_thumbnail_is_small(vendor_client, shop):
    upload(vendor_client, shop, encoded(two_colour((2400, 1800)), "JPEG"))
    (row,) = stored(shop["listing_id"])
    assert (row.width, row.height) == (1600, 1200)
    with Image.open(shop["media"] / row.thumbnail) as thumbnail:
        assert thumbnail.size == (400, 300)


def test_png_keeps_transparency_and_webp_is_accepted(vendor_client, shop):
    transparent = Image.new("RGBA", (120, 80), (0, 128, 0, 0))
    assert "Photo added." in upload(vendor_client, shop, encoded(transparent, "PNG"), "logo.png")
    assert "Photo added." in upload(vendor_client, shop, encoded(two_colour(), "WEBP"), "photo.webp")
    first, second = stored(shop["listing_id"])
    assert (first.position, second.position) == (0, 1)  # the first photo is the cover: position 0
    with Image.open(shop["media"] / first.filename) as photo:
        assert photo.mode == "RGBA"
        assert photo.getpixel((5, 5))[3] == 0


def test_format_is_detected_from_content_not_name(vendor_client, shop):
    page = upload(vendor_client, shop, encoded(two_colour(), "PNG"), "photo.jpg")
    assert "Photo added." in page


@pytest.mark.parametrize(("data", "name"), [
    (b"Just some notes about our tea, not a picture.\n" * 20, "notes.jpg"),
    (encoded(two_colour(), "GIF"), "animation.gif"),
    (encoded(two_colour(), "GIF"), "animation.png"),
    (encoded(two_colour(), "BMP"), "photo.jpg"),
    (encoded(two_colour(), "JPEG")[:200], "truncated.jpg"),
    (b"", "empty.jpg"),
], ids=["text", "gif", "gif-named-png", "bmp", "truncated-jpeg", "empty"])
def test_non_images_and_other_formats_are_refused(vendor_client, shop, data, name):
    page = upload(vendor_client, shop, data, name)
    assert "This file is not a JPEG, PNG or WebP image." in page
    assert stored(shop["listing_id"]) == []
    assert files(shop["media"]) == [] and files(shop["originals"]) == []


def test_missing_file_is_refused(vendor_client, shop):
    response = vendor_client.post_form(page_url(shop), {}, content_type="multipart/form-data",
                                       follow_redirects=True)
    assert "Choose a photo to upload." in response.get_data(as_text=True)
    assert stored(shop["listing_id"]) == []


def test_file_over_5_mb_is_refused(vendor_client, shop):
    data = encoded(two_colour(), "JPEG")
    data += b"\x00" * (6 * 2**20 - len(data))
    page = upload(vendor_client, shop, data)
    assert "This file is too large: at most 5 MB." in page
    assert stored(shop["listing_id"]) == []
    assert files(shop["media"]) == []


@pytest.mark.parametrize("size", [(20000, 20000), (9500, 9500), (8000, 6000)],
                         ids=["over-pillow-error", "over-pillow-warning", "over-our-limit"])
def test_decompression_bombs_are_refused_without_decoding(vendor_client, shop, monkeypatch, size):
    data = png_declaring(*size)
    assert len(data) < 200_000
    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original_load(self))
    page = upload(vendor_client, shop, data, "bomb.png")
    assert "This image is too large: at most 40 megapixels." in page
    assert decoded == []
    assert stored(shop["listing_id"]) == []
    assert files(shop["media"]) == [] and files(shop["originals"]) == []


def test_ninth_photo_is_refused(vendor_client, shop):
    small = encoded(two_colour((40, 30)), "PNG")
    for _ in range(images.MAX_IMAGES):
        assert "Photo added." in upload(vendor_client, shop, small, "p.png")
    page = upload(vendor_client, shop, small, "p.png")
    assert "A listing can have at most 8 photos." in page
    assert len(stored(shop["listing_id"])) == images.MAX_IMAGES
    assert len(files(shop["media"])) == 2 * images.MAX_IMAGES
    assert 'type="file"' not in vendor_client.get(page_url(shop)).get_data(as_text=True)


def test_delete_removes_row_and_files(vendor_client, shop):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "b.png")
    first, second = stored(shop["listing_id"])
    response = vendor_client.post_form(f"{page_url(shop)}/{first.id}/delete", follow_redirects=True)
    assert "Photo removed." in response.get_data(as_text=True)
    assert [row.id for row in stored(shop["listing_id"])] == [second.id]
    assert files(shop["media"]) == sorted([second.filename, second.thumbnail])
    # a new upload after a deletion takes the next position
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "c.png")
    assert [row.position for row in stored(shop["listing_id"])] == [1, 2]


# --- who may ----------------------------------------------------------------------------------------------


def test_vendor_page_lists_photos_with_delete_buttons_and_upload_form(vendor_client, shop):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    page = vendor_client.get(page_url(shop)).get_data(as_text=True)
    assert f"/media/listings/{row.thumbnail}" in page
    assert f"{page_url(shop)}/{row.id}/delete" in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert "style=" not in page.split("<main", 1)[1] and "<script>" not in page


def test_other_entitys_vendor_gets_404_and_nothing_changes(client, shop):
    client.login_as(shop["vendor"])
    upload(client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    before = files(shop["media"])

    client.login_as(shop["other"])
    assert client.get(page_url(shop)).status_code == 404
    response = client.post_form(page_url(shop), {"photo": (io.BytesIO(encoded(two_colour(), "PNG")), "x.png")},
                                content_type="multipart/form-data")
    assert response.status_code == 404
    assert client.post_form(f"{page_url(shop)}/{row.id}/delete").status_code == 404
    assert [r.id for r in stored(shop["listing_id"])] == [row.id]
    assert files(shop["media"]) == before


def test_photo_of_another_listing_of_the_same_entity_is_not_found_through_it(vendor_client, shop):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    mine = make_listed("Chè móc câu", entity=db.session.get(Entity, shop["product"].entity_id))
    db.session.commit()
    my_other_listing = db.session.scalar(select(Listing.id).where(Listing.product_id == mine.id))
    assert vendor_client.post_form(f"/vendor/listings/{my_other_listing}/images/{row.id}/delete").status_code == 404
    assert len(stored(shop["listing_id"])) == 1


def test_anonymous_is_sent_to_sign_in_and_customer_is_refused(client, shop):
    for method, url in (("get", page_url(shop)), ("post", page_url(shop)), ("post", f"{page_url(shop)}/1/delete")):
        response = getattr(client, method)(url) if method == "get" else client.post_form(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    client.login_as(make_user("customer"))
    db.session.commit()
    assert client.get(page_url(shop)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ListingImage)) == 0


# --- serving and the product page ------------------------------------------------------------------------


def test_photos_are_served_with_long_cache_and_odd_names_are_not_found(vendor_client, shop):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    with vendor_client.get(f"/media/listings/{row.filename}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert response.cache_control.max_age == 365 * 86400
        assert response.cache_control.public and response.cache_control.immutable
        assert response.data == (shop["media"] / row.filename).read_bytes()
    (shop["media"] / "notes.txt").write_text("secret")
    for name in ("notes.txt", "..%2Fmedia%2F" + row.filename, row.filename.upper(), row.filename + "%0A",
                 "0" * 32 + ".webp"):
        assert vendor_client.get(f"/media/listings/{name}").status_code == 404


def test_product_page_shows_first_photo_and_a_gallery(vendor_client, shop):
    product = shop["product"]
    page = vendor_client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/media/products/{product.id}.svg" in page
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "b.png")
    first, second = stored(shop["listing_id"])
    page = vendor_client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/media/listings/{first.filename}" in page
    assert f"/media/listings/{second.thumbnail}" in page and f"/media/listings/{second.filename}" in page
    assert f"/media/products/{product.id}.svg" not in page


# --- several at once, order, cover ------------------------------------------------------------------------


def upload_many(client, shop, named_data):
    """Upload several files in one form (field ``photos``); the page shown after the redirect."""
    files_ = [(io.BytesIO(data), name) for name, data in named_data]
    response = client.post_form(page_url(shop), {"photos": files_}, content_type="multipart/form-data",
                                follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_several_photos_in_one_upload_keep_their_order(vendor_client, shop):
    page = upload_many(vendor_client, shop, [(f"{n}.png", encoded(two_colour((40 + n, 30)), "PNG")) for n in range(3)])
    assert "3 photos added." in page
    rows = stored(shop["listing_id"])
    assert [row.width for row in rows] == [40, 41, 42]
    assert [row.position for row in rows] == [0, 1, 2]
    assert 'name="photos" multiple' in vendor_client.get(page_url(shop)).get_data(as_text=True)


def test_a_refused_file_among_several_skips_only_itself(vendor_client, shop):
    page = upload_many(vendor_client, shop, [("good.png", encoded(two_colour(), "PNG")),
                                             ("notes.jpg", b"not a picture" * 10),
                                             ("fine.webp", encoded(two_colour(), "WEBP"))])
    assert "notes.jpg was not added: This file is not a JPEG, PNG or WebP image." in page
    assert "2 photos added." in page
    assert len(stored(shop["listing_id"])) == 2
    assert len(files(shop["media"])) == 4


def test_upload_of_nine_at_once_stops_at_the_limit(vendor_client, shop):
    small = encoded(two_colour((40, 30)), "PNG")
    page = upload_many(vendor_client, shop, [(f"{n}.png", small) for n in range(images.MAX_IMAGES + 1)])
    assert "A listing can have at most 8 photos." in page
    assert len(stored(shop["listing_id"])) == images.MAX_IMAGES


def three_photos(client, shop):
    upload_many(client, shop, [(f"{n}.png", encoded(two_colour((40 + n, 30)), "PNG")) for n in range(3)])
    return [row.id for row in stored(shop["listing_id"])]


def test_move_photo_earlier_and_later(vendor_client, shop):
    a, b, c = three_photos(vendor_client, shop)
    response = vendor_client.post_form(f"{page_url(shop)}/{c}/move", {"direction": "up"}, follow_redirects=True)
    assert "Photo order saved." in response.get_data(as_text=True)
    assert [row.id for row in stored(shop["listing_id"])] == [a, c, b]
    vendor_client.post_form(f"{page_url(shop)}/{a}/move", {"direction": "down"})
    assert [row.id for row in stored(shop["listing_id"])] == [c, a, b]
    vendor_client.post_form(f"{page_url(shop)}/{b}/move", {"direction": "down"})  # already last: stays
    assert [row.id for row in stored(shop["listing_id"])] == [c, a, b]
    assert [row.position for row in stored(shop["listing_id"])] == [0, 1, 2]


def test_make_cover_puts_the_photo_first_and_keeps_the_others_order(vendor_client, shop):
    a, b, c = three_photos(vendor_client, shop)
    response = vendor_client.post_form(f"{page_url(shop)}/{c}/cover", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Cover photo chosen." in page
    assert [row.id for row in stored(shop["listing_id"])] == [c, a, b]
    cover = stored(shop["listing_id"])[0]
    item = re.search(r'<li class="photo-item is-cover">.*?</li>', page, re.S).group(0)
    assert f"/media/listings/{cover.thumbnail}" in item and "Cover" in item
    assert f"{page_url(shop)}/{c}/cover" not in page  # the cover has no "Make cover" button
    product_page = vendor_client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
    assert product_page.index(f"/media/listings/{cover.filename}") < product_page.index(
        f"/media/listings/{stored(shop['listing_id'])[1].filename}")


def test_other_entitys_vendor_cannot_reorder_or_choose_the_cover(client, shop):
    client.login_as(shop["vendor"])
    a, b, c = three_photos(client, shop)
    client.login_as(shop["other"])
    assert client.post_form(f"{page_url(shop)}/{c}/cover").status_code == 404
    assert client.post_form(f"{page_url(shop)}/{c}/move", {"direction": "up"}).status_code == 404
    assert [row.id for row in stored(shop["listing_id"])] == [a, b, c]


def test_photo_of_another_listing_cannot_be_made_cover_through_this_one(vendor_client, shop):
    three_photos(vendor_client, shop)
    row = stored(shop["listing_id"])[2]
    mine = make_listed("Chè móc câu", entity=db.session.get(Entity, shop["product"].entity_id))
    db.session.commit()
    my_other_listing = db.session.scalar(select(Listing.id).where(Listing.product_id == mine.id))
    assert vendor_client.post_form(f"/vendor/listings/{my_other_listing}/images/{row.id}/cover").status_code == 404
    assert vendor_client.post_form(f"/vendor/listings/{my_other_listing}/images/{row.id}/move",
                                   {"direction": "up"}).status_code == 404
    assert stored(shop["listing_id"])[2].id == row.id


# --- the photo job ------------------------------------------------------------------------------------------


class HeldJobs:
    """A job queue whose worker has not run yet: deferred jobs wait here until the test runs them (``jobs.run``)."""

    def __init__(self):
        self.waiting = []

    def enqueue(self, _session, name, args):
        self.waiting.append((name, args))

    def run_all(self):
        """Run the waiting jobs (and those they defer), as a worker would."""
        ran = []
        while self.waiting:
            name, args = self.waiting.pop(0)
            jobs.run(name, args)
            ran.append(name)
        return ran


@pytest.fixture
def held_jobs(app, monkeypatch):
    """Deferred jobs wait for the test instead of running after the commit."""
    held = HeldJobs()
    monkeypatch.setitem(app.extensions, jobs.QUEUE, held)
    return held


def buyer_sees(client, shop, row):
    """Which of ``row``'s files the product page and the home page's card link, and whether they are served."""
    product_page = client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    with client.get(f"/media/listings/{row.filename}") as response:
        served = response.status_code == 200
    return {"product page": f"/media/listings/{row.filename}" in product_page,
            "opengraph": f'content="http://localhost/media/listings/{row.filename}"' in product_page,
            "card": f"/media/listings/{row.thumbnail}" in home,
            "served": served}


NOTHING_SEEN = {"product page": False, "opengraph": False, "card": False, "served": False}


def test_the_upload_only_checks_and_the_photo_is_invisible_until_its_job_runs(vendor_client, shop, held_jobs,
                                                                            monkeypatch):
    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original_load(self))

    page = upload(vendor_client, shop, jpeg_with_metadata(orientation=6))

    assert "Photo uploaded: it appears on the product page once it is ready." in page
    assert decoded == []  # the request read the header only
    (row,) = stored(shop["listing_id"])
    assert (row.status, row.failure, row.position) == ("processing", None, 0)
    assert (row.width, row.height) == (300, 200)  # the declared size until the job has turned it upright
    assert files(shop["media"]) == []
    assert files(shop["originals"]) == [row.filename.removesuffix(".webp")]
    assert held_jobs.waiting == [("photos.process", {"image_id": row.id})]
    vendor_page = vendor_client.get(page_url(shop)).get_data(as_text=True)
    assert "Processing photo" in vendor_page and f"/media/listings/{row.thumbnail}" not in vendor_page
    assert f"{page_url(shop)}/{row.id}/cover" not in vendor_page and f"{page_url(shop)}/{row.id}/delete" in vendor_page
    assert buyer_sees(vendor_client, shop, row) == NOTHING_SEEN
    assert f"/media/products/{shop['product'].id}.svg" in vendor_client.get(f"/p/{shop['product'].slug}").get_data(
        as_text=True)

    assert held_jobs.run_all() == ["photos.process", "photos.discard_original"]

    db.session.refresh(row)
    assert (row.status, row.width, row.height) == ("ready", 200, 300)
    assert decoded  # the job decoded it
    assert files(shop["media"]) == sorted([row.filename, row.thumbnail]) and files(shop["originals"]) == []
    assert buyer_sees(vendor_client, shop, row) == {"product page": True, "opengraph": True, "card": True,
                                                    "served": True}
    data = (shop["media"] / row.filename).read_bytes()
    assert b"Canon" not in data and b"Tan Cuong" not in data
    assert "Processing photo" not in vendor_client.get(page_url(shop)).get_data(as_text=True)


def truncated_png():
    """A PNG whose header is fine (it passes the upload's checks) and whose pixels are cut off."""
    data = encoded(two_colour(), "PNG")
    return data[:len(data) // 2]


def test_a_file_that_fails_to_decode_ends_failed_and_is_never_shown(vendor_client, shop):
    page = upload(vendor_client, shop, truncated_png(), "photo.png")

    assert "photo.png was not added: This file is not a JPEG, PNG or WebP image." in page
    assert "Photo added." not in page
    (row,) = stored(shop["listing_id"])
    assert (row.status, row.failure) == ("failed", "not_an_image")
    assert files(shop["media"]) == [] and files(shop["originals"]) == []
    assert buyer_sees(vendor_client, shop, row) == NOTHING_SEEN
    vendor_page = vendor_client.get(page_url(shop)).get_data(as_text=True)
    item = re.search(r'<li class="photo-item is-failed">.*?</li>', vendor_page, re.S).group(0)
    assert "Not added" in item and "This file is not a JPEG, PNG or WebP image." in item
    assert "<img" not in item and "Make cover" not in item and "Cover" not in item
    vietnamese = vendor_client.get(page_url(shop) + "?lang=vi").get_data(as_text=True)
    assert "Tệp này không phải là ảnh JPEG, PNG hoặc WebP." in vietnamese  # the reason in the vendor's language

    response = vendor_client.post_form(f"{page_url(shop)}/{row.id}/delete?lang=en", follow_redirects=True)
    assert "Photo removed." in response.get_data(as_text=True)
    assert stored(shop["listing_id"]) == []


def test_a_failed_photo_does_not_take_the_cover_from_a_ready_one(vendor_client, shop):
    upload(vendor_client, shop, truncated_png(), "broken.png")
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "good.png")
    broken, good = stored(shop["listing_id"])
    assert (broken.position, broken.status, good.position, good.status) == (0, "failed", 1, "ready")
    assert buyer_sees(vendor_client, shop, good) == {"product page": True, "opengraph": True, "card": True,
                                                     "served": True}
    vendor_page = vendor_client.get(page_url(shop)).get_data(as_text=True)
    cover = re.search(r'<li class="photo-item is-cover">.*?</li>', vendor_page, re.S).group(0)
    assert f"/media/listings/{good.thumbnail}" in cover


def test_the_photo_job_run_twice_or_after_a_deletion_changes_nothing(vendor_client, shop, held_jobs):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    job = held_jobs.waiting[0]
    held_jobs.run_all()
    db.session.refresh(row)
    before = {name: (shop["media"] / name).read_bytes() for name in files(shop["media"])}
    state = (row.status, row.width, row.height, row.filename, row.thumbnail, row.failure)

    jobs.run(*job)  # again, as a retry after a crash would

    assert held_jobs.waiting == []  # nothing to do: not even the original to discard
    db.session.refresh(row)
    assert (row.status, row.width, row.height, row.filename, row.thumbnail, row.failure) == state
    assert {name: (shop["media"] / name).read_bytes() for name in files(shop["media"])} == before

    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "b.png")
    second = stored(shop["listing_id"])[1]
    (deferred,) = held_jobs.waiting
    vendor_client.post_form(f"{page_url(shop)}/{second.id}/delete")  # deleted while waiting for its job
    assert files(shop["originals"]) == []
    held_jobs.run_all()
    assert [r.id for r in stored(shop["listing_id"])] == [row.id]
    assert files(shop["media"]) == sorted(before)
    jobs.run(*deferred)
    assert files(shop["media"]) == sorted(before)


def test_a_run_cut_short_is_finished_by_the_next_one(vendor_client, shop, held_jobs):
    """A worker that died after writing the files but before committing: the retry rewrites them and commits."""
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    shop["media"].mkdir(exist_ok=True)
    (shop["media"] / row.filename).write_bytes(b"half")
    held_jobs.run_all()
    db.session.refresh(row)
    assert row.status == "ready"
    with Image.open(shop["media"] / row.filename) as photo:
        assert photo.format == "WEBP"


def test_an_upload_lost_before_its_job_fails_with_a_reason(vendor_client, shop, held_jobs):
    upload(vendor_client, shop, encoded(two_colour(), "PNG"), "a.png")
    (row,) = stored(shop["listing_id"])
    (shop["originals"] / row.filename.removesuffix(".webp")).unlink()
    held_jobs.run_all()
    db.session.refresh(row)
    assert (row.status, row.failure) == ("failed", "lost")
    assert "The uploaded file was lost before it could be prepared: please upload it again." in vendor_client.get(
        page_url(shop)).get_data(as_text=True)
    assert buyer_sees(vendor_client, shop, row) == NOTHING_SEEN
