"""Listing photos: checked in the request, re-encoded to WebP without metadata by a background job (flush only).

Uploads are untrusted. The request does only the cheap checks: the size in bytes, that one of Pillow's JPEG, PNG
and WebP decoders reads the header (whatever the file is called), and the declared pixel count (decompression
bombs). It keeps the upload privately (``ORIGINALS``: never linked, never served), adds the photo as ``processing``
and defers the ``photos.process`` job, which decodes it, stores a fresh image holding pixels only (no EXIF, GPS,
camera, ICC or XMP data from the upload is ever served) and a thumbnail, marks the photo ``ready`` (or ``failed``,
with why) and drops the original. Buyers see only ready photos. Without a queue the job runs right after the
request's commit, so the photo is ready when the page comes back.
Files are kept by ``core.storage`` (a local folder, or the S3 bucket when ``MEDIA_STORAGE=s3``).
"""

import io
import logging
import re
import secrets
import struct

from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import func, select

from marketplace.core import jobs, s3_client, storage
from marketplace.core.db import compare_and_set_status
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shop.catalog.models import ListingImage

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 2**20  #: largest upload accepted (5 MB)
MAX_IMAGES = 8  #: photos per listing
MAX_PIXELS = 40_000_000  #: largest declared width × height accepted (checked before decoding)
MAX_SIDE = 1600  #: the stored image's longest side
THUMBNAIL_SIDE = 400  #: the thumbnail's longest side
QUALITY = 85  #: WebP quality of stored images and thumbnails
FORMATS = ("JPEG", "PNG", "WEBP")  #: Pillow decoders tried; nothing else is even parsed
#: Names of stored files: 32 random hex digits, ``_t`` for the thumbnail.
FILENAME = re.compile(r"^[0-9a-f]{32}(_t)?\.webp$")
CONTENT_TYPE = "image/webp"  #: every stored photo and thumbnail
#: Where photos are kept: ``listings/<name>`` in the bucket, or the ``MEDIA_DIR`` folder
#: (default ``<instance>/media/listings``).
STORE = storage.Store("listings", folder_setting="MEDIA_DIR")
#: Uploads waiting for the photo job, named by the photo's 32 hex digits: ``originals/<token>`` in the bucket (a
#: private object, never linked), or the ``MEDIA_ORIGINALS_DIR`` folder (default ``<instance>/media/originals``,
#: which the app never serves). Each is deleted once its photo is ready or failed, or deleted.
ORIGINALS = storage.Store("originals", folder_setting="MEDIA_ORIGINALS_DIR")
ORIGINAL = re.compile(r"^[0-9a-f]{32}$")
ORIGINAL_CACHE_CONTROL = "private, no-store"
#: Why the photo job refuses an upload (kept in ``ListingImage.failure``, translated by ``failure_message``).
FAILURES = ("not_an_image", "too_many_pixels", "lost")

#: What a broken or hostile file may raise inside Pillow's decoders.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)


class Undecodable(Refused):
    """An upload the accepted decoders refuse; ``reason`` (one of ``FAILURES``) is kept on a failed photo."""

    def __init__(self, reason):
        super().__init__(failure_message(reason))
        self.reason = reason


def failure_message(reason):
    """Why a photo was refused, translated, from its ``FAILURES`` key."""
    if reason == "too_many_pixels":
        return _("This image is too large: at most %(megapixels)d megapixels.", megapixels=MAX_PIXELS // 1_000_000)
    if reason == "lost":
        return _("The uploaded file was lost before it could be prepared: please upload it again.")
    return _("This file is not a JPEG, PNG or WebP image.")


def stored_url(name):
    """Where browsers fetch the stored photo ``name`` from the bucket; None when the app serves it (local files)."""
    return STORE.url(name)


def _open(data):
    """Open ``data`` with the accepted decoders only (reads the header, decodes nothing)."""
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Undecodable("too_many_pixels") from None  # the warning is raised as an error when warnings are errors
    except _DECODE_ERRORS:
        raise Undecodable("not_an_image") from None


def _check_header(data):
    """The declared ``(width, height)`` of ``data``: an accepted decoder reads its header, the pixel count is allowed.

    Nothing is decoded: this is what the upload request checks. Raises Undecodable.
    """
    with _open(data) as probe:
        if probe.format not in FORMATS:
            raise Undecodable("not_an_image")
        width, height = probe.size
    if width < 1 or height < 1:
        raise Undecodable("not_an_image")
    if width * height > MAX_PIXELS:  # the declared size, before decoding anything
        raise Undecodable("too_many_pixels")
    return width, height


def decode(data):
    """The upload's pixels, upright, as RGB (RGBA when transparent), at most ``MAX_SIDE``; no metadata."""
    _check_header(data)
    with _open(data) as probe:
        try:
            probe.verify()
        except _DECODE_ERRORS:
            raise Undecodable("not_an_image") from None
    with _open(data) as image:  # verify() leaves the image unusable: open again to decode
        try:
            if image.format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big JPEGs at a reduced scale
            upright = ImageOps.exif_transpose(image)
            transparent = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info)
            upright = upright.convert("RGBA" if transparent else "RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Undecodable("too_many_pixels") from None
        except _DECODE_ERRORS:
            raise Undecodable("not_an_image") from None
    clean = Image.new(upright.mode, upright.size)  # a fresh image: pixels only, no info/EXIF/ICC/XMP carried over
    clean.paste(upright)
    return clean


def _encode(image):
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=QUALITY, method=4)
    return buffer.getvalue()


def read_upload(file_storage):
    """``(bytes, width, height)`` of an upload that passes the request's cheap checks; Refused (translated) if not.

    Shared by every kind of photo (listings here, reviews in ``reviews/photos.py``).
    """
    if file_storage is None or not file_storage.filename:
        raise Refused(_("Choose a photo to upload."))
    data = file_storage.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(_("This file is too large: at most %(megabytes)d MB.", megabytes=MAX_BYTES // 2**20))
    if not data:
        raise Undecodable("not_an_image")
    width, height = _check_header(data)
    return data, width, height


def add_image(listing, file_storage):
    """Check an upload for ``listing`` (the cheap checks), keep it privately and add it as a ``processing`` photo.

    The ``photos.process`` job deferred here decodes and stores it once the caller commits. Refused (translated)
    when refused, and then nothing is kept.
    """
    count, last = db.session.execute(select(func.count(), func.max(ListingImage.position))
                                     .where(ListingImage.listing_id == listing.id)).one()
    if count >= MAX_IMAGES:
        raise Refused(_("A listing can have at most %(count)d photos.", count=MAX_IMAGES))
    data, width, height = read_upload(file_storage)

    token = secrets.token_hex(16)
    row = ListingImage(listing_id=listing.id, position=0 if last is None else last + 1, filename=f"{token}.webp",
                       thumbnail=f"{token}_t.webp", width=width, height=height, status="processing")
    keep_original(token, data)
    try:
        db.session.add(row)
        db.session.flush()
    except BaseException:
        ORIGINALS.delete(token)
        raise
    jobs.defer("photos.process", image_id=row.id)
    return row


def keep_original(token, data):
    """Keep the upload ``token`` until the photo job has read it (StorageUnavailable when the bucket fails)."""
    if not storage.uses_bucket():
        ORIGINALS.save(token, data, "application/octet-stream")
        return
    try:
        s3_client.put_object(ORIGINALS.key(token), data, "application/octet-stream", ORIGINAL_CACHE_CONTROL)
    except s3_client.S3Error as error:
        log.error("keeping an uploaded photo failed: %s", error)
        raise storage.StorageUnavailable from error


def read_original(token):
    """The kept upload ``token``; None when it is not there (S3Error when the bucket fails: the job is retried)."""
    if not storage.uses_bucket():
        path = ORIGINALS.folder() / token
        return path.read_bytes() if path.is_file() else None
    return s3_client.get_object(ORIGINALS.key(token))


def _token(photo):
    """The 32 hex digits naming ``photo``'s files and its kept original."""
    return photo.filename.removesuffix(".webp")


@jobs.task("photos.process")
def process(image_id):
    """Decode a ``processing`` listing photo, store its WebP and thumbnail, mark it ready (or failed); idempotent."""
    process_photo(ListingImage, image_id, STORE)


def process_photo(model, photo_id, store):
    """Decode a ``processing`` photo row of ``model`` (listing, review, case), write its versions to ``store``.

    A photo already ready or failed, or deleted meanwhile, is left alone. The row is locked while it is worked on,
    so a deletion waits for the job (and the job then finds nothing). The original goes once this is committed.
    """
    photo = db.session.scalar(select(model).where(model.id == photo_id).with_for_update())
    if photo is None or photo.status != "processing":
        return
    token = _token(photo)
    data = read_original(token) if ORIGINAL.fullmatch(token) else None
    if data is None:
        _fail(photo, "lost")
        return
    try:
        picture = decode(data)
    except Undecodable as refusal:
        _fail(photo, refusal.reason)
    else:
        write_versions(store, photo.filename, photo.thumbnail, picture)
        if compare_and_set_status(photo, "processing", "ready"):
            photo.width, photo.height = picture.size
    jobs.defer("photos.discard_original", token=token)


def write_versions(store, filename, thumbnail_name, picture):
    """Write ``picture`` as WebP ``filename`` and its thumbnail in ``store`` (replacing any half-done run's files)."""
    thumbnail = picture.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    for name, version in ((filename, picture), (thumbnail_name, thumbnail)):
        store.delete(name)  # never linked while processing: a run cut short may have left it half-done
        store.save(name, _encode(version), CONTENT_TYPE)


def _fail(photo, reason):
    """Mark a processing photo failed for ``reason`` (one of ``FAILURES``); its files were never written."""
    log.info("%s %s refused by the photo job: %s", type(photo).__name__, photo.id, reason)
    if compare_and_set_status(photo, "processing", "failed"):
        photo.failure = reason


@jobs.task("photos.discard_original")
def discard_original(token):
    """Delete a kept upload once its photo is ready or failed (deleting one already gone is harmless)."""
    if ORIGINAL.fullmatch(token):
        ORIGINALS.delete(token)


def remove_image(image):
    """Delete a photo's row (flush) and its files, or its kept original while not ready; the others keep their order."""
    db.session.delete(image)
    db.session.flush()
    for name in (image.filename, image.thumbnail):
        if FILENAME.fullmatch(name):
            STORE.delete(name)
    if image.status != "ready" and ORIGINAL.fullmatch(_token(image)):
        ORIGINALS.delete(_token(image))


def add_images(listing, file_storages):
    """Add several uploads in order: ``([(file name, photo)], [(file name, refusal message)])``.

    A refused file skips only itself; the photos added are ``processing`` until their job has run.
    """
    chosen = [file_storage for file_storage in file_storages if file_storage is not None and file_storage.filename]
    if not chosen:
        raise Refused(_("Choose a photo to upload."))
    added, refused = [], []
    for file_storage in chosen:
        try:  # add_image writes nothing to the session before its checks pass
            added.append((file_storage.filename, add_image(listing, file_storage)))
        except Refused as error:
            refused.append((file_storage.filename, error.message))
    return added, refused


def _renumber(photos):
    """Store ``photos`` at positions 0, 1, … in that order (two flushes: the positions are unique per listing)."""
    for offset, photo in enumerate(photos):
        photo.position = -1 - offset
    db.session.flush()
    for position, photo in enumerate(photos):
        photo.position = position
    db.session.flush()


def move_image(listing, image, step):
    """Move one photo ``step`` places (-1 earlier, +1 later) among the listing's photos; the ends stay put."""
    photos = images_for([listing.id]).get(listing.id, [])
    index = photos.index(image)
    target = min(max(index + step, 0), len(photos) - 1)
    photos.insert(target, photos.pop(index))
    _renumber(photos)


def make_cover(listing, image):
    """Make ``image`` the listing's cover (position 0), keeping the order of the others."""
    photos = images_for([listing.id]).get(listing.id, [])
    photos.remove(image)
    _renumber([image, *photos])


def copy_photos_to_bucket():
    """Copy every ready photo and thumbnail from the local folder into the bucket: ``(copied, missing file names)``."""
    copied, missing = 0, []
    for row in db.session.scalars(select(ListingImage).where(ListingImage.status == "ready")
                                  .order_by(ListingImage.id)):
        for name in (row.filename, row.thumbnail):
            if STORE.copy_to_bucket(name):
                copied += 1
            else:
                missing.append(name)
    return copied, missing


def images_for(listing_ids, ready=False):
    """``{listing_id: [images by position]}`` for ``listing_ids`` (one query; none when there are no ids).

    :param ready: only the photos buyers may see (``ready``); else every photo, as their vendor sees them.
    """
    listing_ids = list(listing_ids)
    found = {}
    if not listing_ids:
        return found
    stmt = select(ListingImage).where(ListingImage.listing_id.in_(listing_ids))
    if ready:
        stmt = stmt.where(ListingImage.status == "ready")
    rows = db.session.scalars(stmt.order_by(ListingImage.listing_id, ListingImage.position))
    for row in rows:
        found.setdefault(row.listing_id, []).append(row)
    return found
