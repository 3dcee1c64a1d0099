"""Vendor pages for listing photos: see, upload and delete the photos of the entity's own listings."""

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
    """The listing's photos with delete buttons, and the upload form."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    photos = images.images_for([listing.id]).get(listing.id, [])
    return render_template("vendors/images.html", listing=listing, product=listing.product, photos=photos,
                           max_images=images.MAX_IMAGES, max_megabytes=images.MAX_BYTES // 2**20)


@bp.post("/listings/<int:listing_id>/images")
@role_required("vendor")
def upload_photo(listing_id):
    """Add a photo (field ``photo``): verified and re-encoded, or refused with the reason."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    try:
        images.add_image(listing, request.files.get("photo"))
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Photo added."), "success")
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))


@bp.post("/listings/<int:listing_id>/images/<int:image_id>/delete")
@role_required("vendor")
def delete_photo(listing_id, image_id):
    """Remove one of the listing's photos and its files."""
    listing = policy.listing_for_member_or_404(current_user, listing_id)
    photo = policy.get_or_404(select(ListingImage).where(ListingImage.listing_id == listing.id), image_id,
                              ListingImage)
    images.remove_image(photo)
    db.session.commit()
    flash(_("Photo removed."), "success")
    return redirect(url_for("vendor.listing_images", listing_id=listing_id))
