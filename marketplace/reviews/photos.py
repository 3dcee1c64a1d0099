"""Review photos through the listing photo pipeline (``shop/catalog/photos.py``): the same checks, job and files.

The upload request does the cheap checks and keeps the original privately; the ``reviews.photos.process`` job
decodes it, strips its metadata, writes the WebP and thumbnail in the reviews store (``reviews/<name>`` in the
bucket, or ``REVIEW_MEDIA_DIR``, default ``<instance>/media/reviews``) and marks it ready. Buyers see ready photos.
"""

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.core import jobs, storage
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reviews.models import ReviewPhoto
from marketplace.shop.catalog import photos as pipeline

MAX_PHOTOS = 5  #: photos per review
STORE = storage.Store("reviews", folder_setting="REVIEW_MEDIA_DIR")
FILENAME = pipeline.FILENAME
CONTENT_TYPE = pipeline.CONTENT_TYPE
failure_message = pipeline.failure_message  #: why the photo job refused a file, translated


def stored_url(name):
    """Where browsers fetch a stored review photo from the bucket; None when the app serves it (local files)."""
    return STORE.url(name)


def add_photo(review, file_storage):
    """Check one upload for ``review``, keep it privately and add it as ``processing`` (its job runs after commit)."""
    count, last = db.session.execute(select(func.count(), func.max(ReviewPhoto.position))
                                     .where(ReviewPhoto.review_id == review.id)).one()
    if count >= MAX_PHOTOS:
        raise Refused(_("A review can have at most %(count)d photos.", count=MAX_PHOTOS))
    data, width, height = pipeline.read_upload(file_storage)
    token = secrets.token_hex(16)
    row = ReviewPhoto(review_id=review.id, position=0 if last is None else last + 1, filename=f"{token}.webp",
                      thumbnail=f"{token}_t.webp", width=width, height=height, status="processing")
    pipeline.keep_original(token, data)
    try:
        db.session.add(row)
        db.session.flush()
    except BaseException:
        pipeline.ORIGINALS.delete(token)
        raise
    jobs.defer("reviews.photos.process", photo_id=row.id)
    return row


def add_photos(review, file_storages):
    """Add the chosen uploads in order: ``[(file name, refusal message)]`` of those refused (the others added)."""
    refused = []
    for file_storage in file_storages:
        if file_storage is None or not file_storage.filename:
            continue
        try:  # add_photo writes nothing before its checks pass
            add_photo(review, file_storage)
        except Refused as error:
            refused.append((file_storage.filename, error.message))
    return refused


@jobs.task("reviews.photos.process")
def process(photo_id):
    """Decode a ``processing`` review photo, store its WebP and thumbnail, mark it ready (or failed); idempotent."""
    pipeline.process_photo(ReviewPhoto, photo_id, STORE)


def remove_photo(photo):
    """Delete a review photo's row (flush) and its files, or its kept original while not ready."""
    db.session.delete(photo)
    db.session.flush()
    for name in (photo.filename, photo.thumbnail):
        if FILENAME.fullmatch(name):
            STORE.delete(name)
    token = photo.filename.removesuffix(".webp")
    if photo.status != "ready" and pipeline.ORIGINAL.fullmatch(token):
        pipeline.ORIGINALS.delete(token)


def photos_for(review_ids, ready=False):
    """``{review_id: [photos by position]}`` (one query; none without ids); ``ready``: only those buyers see."""
    review_ids = list(review_ids)
    if not review_ids:
        return {}
    stmt = select(ReviewPhoto).where(ReviewPhoto.review_id.in_(review_ids))
    if ready:
        stmt = stmt.where(ReviewPhoto.status == "ready")
    found = {}
    for row in db.session.scalars(stmt.order_by(ReviewPhoto.review_id, ReviewPhoto.position)):
        found.setdefault(row.review_id, []).append(row)
    return found
