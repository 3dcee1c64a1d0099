"""A case's photos, through the listing photos' pipeline (``shop/catalog/photos.py``), flush only.

The request checks the upload cheaply and keeps it privately; the ``returns.photo`` job re-encodes it to WebP
without metadata.

Stored as ``cases/<name>`` in the bucket, or ``<instance>/media/cases`` (``CASE_MEDIA_DIR``). They are not on the
storefront: each area serves them to the buyer, the producer and staff of the case only.
"""

import secrets

from flask import abort, redirect, send_from_directory
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.core import jobs, storage
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.returns.models import CasePhoto
from marketplace.shop.catalog import photos as pipeline

MAX_PHOTOS = 5  #: photos per case
STORE = storage.Store("cases", folder_setting="CASE_MEDIA_DIR")
CONTENT_TYPE = pipeline.CONTENT_TYPE


def add_photos(case, file_storages):
    """Add the chosen uploads to ``case`` as ``processing`` photos; Refused (translated) for any refused file."""
    chosen = [item for item in file_storages if item is not None and item.filename]
    count = db.session.scalar(select(func.count()).select_from(CasePhoto).where(CasePhoto.case_id == case.id))
    if count + len(chosen) > MAX_PHOTOS:
        raise Refused(_("Add at most %(count)d photos.", count=MAX_PHOTOS))
    uploads = [pipeline.read_upload(item) for item in chosen]  # every file checked before any is kept
    for data, width, height in uploads:
        token = secrets.token_hex(16)
        pipeline.keep_original(token, data)
        row = CasePhoto(case_id=case.id, filename=f"{token}.webp", thumbnail=f"{token}_t.webp", width=width,
                        height=height, status="processing")
        db.session.add(row)
        db.session.flush()
        jobs.defer("returns.photo", photo_id=row.id)


@jobs.task("returns.photo")
def process(photo_id):
    """Decode a ``processing`` case photo, store its WebP and thumbnail, mark it ready (or failed); idempotent."""
    pipeline.process_photo(CasePhoto, photo_id, STORE)


def photo_of(case, filename):
    """The ready photo of ``case`` stored as ``filename`` (or its thumbnail), else None."""
    if not pipeline.FILENAME.fullmatch(filename or ""):
        return None
    return db.session.scalar(select(CasePhoto).where(
        CasePhoto.case_id == case.id, CasePhoto.status == "ready",
        (CasePhoto.filename == filename) | (CasePhoto.thumbnail == filename)))


def serve(case, filename):
    """The response for one of ``case``'s photos: a redirect to the bucket, or the local file (private cache); 404."""
    if photo_of(case, filename) is None:
        abort(404)
    stored = STORE.url(filename)
    response = redirect(stored) if stored else send_from_directory(STORE.folder(), filename, mimetype=CONTENT_TYPE)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response
