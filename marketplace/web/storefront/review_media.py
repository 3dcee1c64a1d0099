"""Review photos, a sibling of the listing photos' media route: stored names, cached for a year."""

from flask import url_for
from flask_babel import format_decimal

from marketplace.reviews import photos as review_photos
from marketplace.web.storefront.blueprint import bp
from marketplace.web.storefront.site import serve_photo


@bp.get("/media/reviews/<path:filename>")
def review_photo(filename):
    """A stored review photo or thumbnail; with photos in the bucket, a redirect there (pages link it directly)."""
    return serve_photo(review_photos.STORE, filename)


@bp.app_template_global()
def review_photo_url(filename):
    """Where a page links a review photo: the bucket's URL, or the media route above for local files."""
    return review_photos.stored_url(filename) or url_for("storefront.review_photo", filename=filename)


@bp.app_template_filter("rating")
def rating_filter(value):
    """An average rating with one decimal in the visitor's language: ``4,6`` (vi), ``4.6`` (en)."""
    return format_decimal(value or 0, format="0.0")
