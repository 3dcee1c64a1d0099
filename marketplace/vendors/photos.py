"""Vendor pages for listing photos: see (those being prepared or refused labelled), upload, reorder, cover, delete."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.shop.catalog import photos as images
from marketplace.shop.catalog.models import ListingImage
from marketplace.vendors.blueprint import bp


@bp.get("/listings/<int:listing_id>/images")
@role_required("vendor")
def listing_images(listing_id):
    """The listing's photos (those being prepared or refused labelled) with their buttons, and the upload form."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    photos = images.images_for([listing.id]).get(listing.id, [])
    cover = next((photo for photo in photos if photo.status == "ready"), None)
    return render_template("vendors/images.html", listing=listing, product=listing.product, photos=photos,
                           cover=cover, failure_message=images.failure_message, max_images=images.MAX_IMAGES,
                           max_megabytes=images.MAX_BYTES // 2**20)


@bp.post("/listings/<int:listing_id>/images")
@role_required("vendor")
def upload_photo(listing_id):
    """Add photos (fields ``photos``, several, or ``photo``): each checked, then prepared by its job, or refused."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    uploads = request.files.getlist("photos") + request.files.getlist("photo")
    try:
        added, refused = images.add_images(listing, uploads)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("vendor.listing_images", listing_id=listing_id))
    db.session.commit()  # without a queue the photo jobs run here, once the photos are saved
    _report(added, refused)
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))


def _report(added, refused):
    """Flash what became of each file: refused at once, refused by the photo job, added, or still being prepared."""
    refused = refused + [(name, images.failure_message(photo.failure)) for name, photo in added
                         if photo.status == "failed"]  # read again after the commit: the job may have run
    for name, reason in refused:
        flash(_("%(file)s was not added: %(reason)s", file=name, reason=reason), "error")
    ready = sum(photo.status == "ready" for _name, photo in added)
    preparing = sum(photo.status == "processing" for _name, photo in added)
    if ready == 1:
        flash(_("Photo added."), "success")
    elif ready:
        flash(_("%(count)d photos added.", count=ready), "success")
    if preparing == 1:
        flash(_("Photo uploaded: it appears on the product page once it is ready."), "success")
    elif preparing:
        flash(_("%(count)d photos uploaded: they appear on the product page once they are ready.",
                count=preparing), "success")


def _photo_or_404(listing, image_id):
    """One of ``listing``'s photos by id, else 404."""
    return policy.get_or_404(select(ListingImage).where(ListingImage.listing_id == listing.id), image_id,
                             ListingImage)


@bp.post("/listings/<int:listing_id>/images/<int:image_id>/move")
@role_required("vendor")
def move_photo(listing_id, image_id):
    """Move a photo one place earlier (``direction=up``) or later (``down``)."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    photo = _photo_or_404(listing, image_id)
    images.move_image(listing, photo, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    flash(_("Photo order saved."), "success")
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/images/<int:image_id>/cover")
@role_required("vendor")
def cover_photo(listing_id, image_id):
    """Make a photo the cover: first on the product page and the image of the product's cards."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    images.make_cover(listing, _photo_or_404(listing, image_id))
    db.session.commit()
    flash(_("Cover photo chosen."), "success")
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/images/<int:image_id>/delete")
@role_required("vendor")
def delete_photo(listing_id, image_id):
    """Remove one of the listing's photos (ready, being prepared or refused) and its files."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    images.remove_image(_photo_or_404(listing, image_id))
    db.session.commit()
    flash(_("Photo removed."), "success")
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))
