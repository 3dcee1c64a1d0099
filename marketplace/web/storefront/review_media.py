"""Review photos, a sibling of the listing photos' media route: stored names, cached for a year."""

from flask import abort, redirect, send_from_directory, url_for
from flask_babel import format_decimal

from marketplace.core import storage
from marketplace.reviews import photos as review_photos
from marketplace.web.storefront.blueprint import bp
from marketplace.web.storefront.site import PHOTO_REDIRECT_SECONDS


@bp.get("/media/reviews/<path:filename>")
def review_photo(filename):
    """A stored review photo or thumbnail; with photos in the bucket, a redirect there (pages link it directly)."""
    if not review_photos.FILENAME.fullmatch(filename):
        abort(404)
    stored = review_photos.stored_url(filename)
    if stored is not None:
        response = redirect(stored)
        response.cache_control.public = True
        response.cache_control.max_age = PHOTO_REDIRECT_SECONDS
        return response
    response = send_from_directory(review_photos.STORE.folder(), filename, mimetype=review_photos.CONTENT_TYPE,
                                   max_age=storage.CACHE_SECONDS)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.app_template_global()
def review_photo_url(filename):
    """Where a page links a review photo: the bucket's URL, or the media route above for local files."""
    return review_photos.stored_url(filename) or url_for("storefront.review_photo", filename=filename)


@bp.app_template_filter("rating")
def rating_filter(value):
    """An average rating with one decimal in the visitor's language: ``4,6`` (vi), ``4.6`` (en)."""
    return format_decimal(value or 0, format="0.0")
