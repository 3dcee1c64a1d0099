"""Listing photos: verified, re-encoded to WebP without metadata, with a thumbnail made once (flush only).

Uploads are untrusted: the declared size is checked before any pixel is decoded (decompression bombs), only
Pillow's JPEG, PNG and WebP decoders are tried (whatever the file is called), and what is stored is a fresh
image holding pixels only, so no EXIF (GPS, camera), ICC or XMP data from the upload is ever served.
"""

import io
import re
import secrets
import struct
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import func, select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shop.catalog.models import ListingImage

MAX_BYTES = 5 * 2**20  #: largest upload accepted (5 MB)
MAX_IMAGES = 8  #: photos per listing
MAX_PIXELS = 40_000_000  #: largest declared width × height accepted (checked before decoding)
MAX_SIDE = 1600  #: the stored image's longest side
THUMBNAIL_SIDE = 400  #: the thumbnail's longest side
QUALITY = 85  #: WebP quality of stored images and thumbnails
FORMATS = ("JPEG", "PNG", "WEBP")  #: Pillow decoders tried; nothing else is even parsed
#: Names of stored files: 32 random hex digits, ``_t`` for the thumbnail.
FILENAME = re.compile(r"^[0-9a-f]{32}(_t)?\.webp$")

#: What a broken or hostile file may raise inside Pillow's decoders.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)


def media_dir():
    """The folder of listing photos: ``MEDIA_DIR`` or ``<instance>/media/listings`` (created when missing)."""
    folder = Path(current_app.config.get("MEDIA_DIR") or Path(current_app.instance_path) / "media" / "listings")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _not_an_image():
    return Refused(_("This file is not a JPEG, PNG or WebP image."))


def _too_many_pixels():
    return Refused(_("This image is too large: at most %(megapixels)d megapixels.",
                          megapixels=MAX_PIXELS // 1_000_000))


def _open(data):
    """Open ``data`` with the accepted decoders only (reads the header, decodes nothing)."""
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None  # the warning is raised as an error when warnings are errors
    except _DECODE_ERRORS:
        raise _not_an_image() from None


def _decode(data):
    """The upload's pixels, upright, as RGB (RGBA when transparent), at most ``MAX_SIDE``; no metadata."""
    with _open(data) as probe:
        if probe.format not in FORMATS:
            raise _not_an_image()
        width, height = probe.size
        if width < 1 or height < 1:
            raise _not_an_image()
        if width * height > MAX_PIXELS:  # the declared size, before decoding anything
            raise _too_many_pixels()
        try:
            probe.verify()
        except _DECODE_ERRORS:
            raise _not_an_image() from None
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
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _not_an_image() from None
    clean = Image.new(upright.mode, upright.size)  # a fresh image: pixels only, no info/EXIF/ICC/XMP carried over
    clean.paste(upright)
    return clean


def _encode(image):
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=QUALITY, method=4)
    return buffer.getvalue()


def add_image(listing, file_storage):
    """Verify, re-encode and store an uploaded photo of ``listing``; Refused (translated) when refused."""
    count, last = db.session.execute(select(func.count(), func.max(ListingImage.position))
                                     .where(ListingImage.listing_id == listing.id)).one()
    if count >= MAX_IMAGES:
        raise Refused(_("A listing can have at most %(count)d photos.", count=MAX_IMAGES))
    if file_storage is None or not file_storage.filename:
        raise Refused(_("Choose a photo to upload."))
    data = file_storage.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(_("This file is too large: at most %(megabytes)d MB.", megabytes=MAX_BYTES // 2**20))
    if not data:
        raise _not_an_image()
    image = _decode(data)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)

    folder, token = media_dir(), secrets.token_hex(16)
    row = ListingImage(listing_id=listing.id, position=0 if last is None else last + 1, filename=f"{token}.webp",
                       thumbnail=f"{token}_t.webp", width=image.width, height=image.height)
    written = []
    try:
        for name, picture in ((row.filename, image), (row.thumbnail, thumbnail)):
            path = folder / name
            with path.open("xb") as out:  # "x": never overwrite an existing file
                written.append(path)
                out.write(_encode(picture))
        db.session.add(row)
        db.session.flush()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return row


def remove_image(image):
    """Delete a photo's row (flush) and its two files; the others keep their order."""
    db.session.delete(image)
    db.session.flush()
    folder = media_dir()
    for name in (image.filename, image.thumbnail):
        if FILENAME.fullmatch(name):
            (folder / name).unlink(missing_ok=True)


def add_images(listing, file_storages):
    """Add several uploads in order: ``(added, [(file name, refusal message)])``; a refused file skips only itself."""
    chosen = [file_storage for file_storage in file_storages if file_storage is not None and file_storage.filename]
    if not chosen:
        raise Refused(_("Choose a photo to upload."))
    added, refused = [], []
    for file_storage in chosen:
        try:  # add_image writes nothing to the session before its checks pass
            added.append(add_image(listing, file_storage))
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


def images_for(listing_ids):
    """``{listing_id: [images by position]}`` for ``listing_ids`` (one query; none when there are no ids)."""
    listing_ids = list(listing_ids)
    found = {}
    if not listing_ids:
        return found
    rows = db.session.scalars(select(ListingImage).where(ListingImage.listing_id.in_(listing_ids))
                              .order_by(ListingImage.listing_id, ListingImage.position))
    for row in rows:
        found.setdefault(row.listing_id, []).append(row)
    return found
