"""Listings: create and edit (with package sizes), exports, and the bulk upload with its dry run."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.core import uploads
from marketplace.core.actions import commit_or_flash
from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.jobs import imports
from marketplace.jobs.models import ImportRun
from marketplace.registry import gtin as gtins
from marketplace.registry.models import Product
from marketplace.shipping.parcels import grams_in, packed
from marketplace.shop.catalog import services as shop_services
from marketplace.shop.catalog.importer import import_catalog
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.vendors import exports
from marketplace.vendors.blueprint import bp
from marketplace.vendors.forms import ListingForm, ListingUploadForm, VariantForm

#: A listing's shipping weight and size (``shipping/parcels.py`` reads them).
SHIPPING_FIELDS = ("weight_g", "length_cm", "width_cm", "height_cm")
#: One page holds several variant forms; the app-wide CSRFProtect checks each request's ``csrf_token``.
VARIANT_META = {"csrf": False}


@bp.route("/products/<int:product_id>/listing", methods=["GET", "POST"])
@role_required("vendor")
def listing(product_id):
    """Create or edit the listing of one of the entity's certified products (drafts when not certified)."""
    entity = policy.own_entity_or_404(current_user)
    product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id), product_id, Product)
    current = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    form = ListingForm(obj=current)
    if request.method == "GET" and current is not None and not current.weight_g:
        form.weight_g.data = packed(grams_in(current.unit))  # a suggestion from the package's name
    if request.method == "GET":
        form.gtin.data = gtins.shown(product.gtin) if product.gtin else ""
    previewing = "preview" in request.form
    if form.validate_on_submit() and not previewing and _gtin_saved(product, form):
        values = {"price_vnd": form.price_vnd.data, "stock": form.stock.data or 0, "unit": form.unit.data or None,
                  "description_vi": form.description_vi.data or None,
                  "description_en": form.description_en.data or None, "published": form.published.data,
                  **{name: getattr(form, name).data or None for name in SHIPPING_FIELDS}}
        _listing, refusal = shop_services.save_listing(product, current, values, None, today())
        db.session.commit()
        if refusal:
            flash(_("Saved as a draft, not shown on the storefront: %(reason)s", reason=refusal), "error")
        else:
            flash(_("Saved. The storefront and search show it now."), "success")
        return redirect(url_for("vendor.dashboard"))
    refusal = shop_services.publish_refusal(product, today())
    variants = shop_services.variants_of([current.id]).get(current.id, []) if current else []
    variant_form = VariantForm(formdata=None, prefix="variant", meta=VARIANT_META)
    page = render_template("vendors/listing.html", form=form, product=product, listing=current, refusal=refusal,
                           variants=variants, variant_form=variant_form, previewing=previewing)
    return page, 400 if form.errors else 200


def _gtin_saved(product, form):
    """Set the product's GTIN from the form; False (the error shown on the field) when invalid or taken."""
    try:
        gtins.set_gtin(product, form.gtin.data)
    except Refused as refusal:  # refused before anything changed
        form.gtin.errors = [*form.gtin.errors, refusal.message]
        return False
    return True


@bp.post("/listings/<int:listing_id>/variants", defaults={"variant_id": None})
@bp.post("/listings/<int:listing_id>/variants/<int:variant_id>")
@role_required("vendor")
def save_variant(listing_id, variant_id):
    """Add a package size (its own price and stock) to a listing, or change one."""
    current = policy.listing_for_member_or_404(current_user, listing_id)
    variant = None if variant_id is None else policy.get_or_404(
        select(ListingVariant).where(ListingVariant.listing_id == current.id), variant_id, ListingVariant)
    form = VariantForm(prefix="variant", meta=VARIANT_META)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
    else:
        values = {"label": form.label.data.strip(), "price_vnd": form.price_vnd.data, "stock": form.stock.data or 0}
        commit_or_flash(lambda: shop_services.save_variant(current, variant, values, None), _("Saved."))
    return redirect(url_for("vendor.listing", product_id=current.product_id))


@bp.post("/listings/<int:listing_id>/variants/<int:variant_id>/delete")
@role_required("vendor")
def delete_variant(listing_id, variant_id):
    """Remove a package size from a listing."""
    current = policy.listing_for_member_or_404(current_user, listing_id)
    variant = policy.get_or_404(select(ListingVariant).where(ListingVariant.listing_id == current.id), variant_id,
                                ListingVariant)
    shop_services.delete_variant(current, variant, None)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("vendor.listing", product_id=current.product_id))


@bp.get("/<any(listings, orders):what>.<any(csv, xlsx):fmt>")
@role_required("vendor")
def export(what, fmt):
    """The entity's listings (re-importable) or orders, as CSV or XLSX."""
    entity = policy.own_entity_or_404(current_user)
    if what == "listings":
        return exports.download(exports.listing_rows(entity.id), exports.LISTING_COLUMNS,
                                f"listings-{entity.slug}", fmt)
    return exports.download(exports.order_rows(entity.id), exports.ORDER_COLUMNS, f"orders-{entity.slug}", fmt)


@bp.route("/listings/upload", methods=["GET", "POST"])
@role_required("vendor")
def upload_listings():
    """A listing file for the entity's products: the same validation and dry run as `flask catalog import`."""
    entity = policy.own_entity_or_404(current_user)
    form = ListingUploadForm()
    if form.validate_on_submit():
        if imports.wants_job(form.file.data):  # a large file, with a queue: the worker checks it, the page polls
            run = imports.start("listings", current_user, form.file.data, entity_id=entity.id)
            db.session.commit()
            return redirect(url_for("vendor.listing_run", run_id=run.id))
        result, token = uploads.dry_run(form.file.data, f"vendor-{current_user.id}", lambda path: import_catalog(
            path, dry_run=True, actor=current_user.email, entity_id=entity.id))
        return render_template("vendors/upload.html", form=form, result=result, token=token,
                               outcome=listing_outcome(result), confirm_label=_("Save these listings")), (
            200 if result.ok else 400)
    return render_template("vendors/upload.html", form=form, result=None), 400 if form.errors else 200


def listing_outcome(result):
    """What a valid listing file will do, in the vendor's words (listings, not registry rows)."""
    return _("The file is valid. Saving it will create %(created)d, change %(updated)d and leave %(unchanged)d of "
             "your listings as they are.", created=result.created, updated=result.updated, unchanged=result.unchanged)


@bp.post("/listings/upload/<token>")
@role_required("vendor")
def confirm_listings(token):
    """Import a listing file that passed its dry run (only the uploader's own files are found)."""
    entity = policy.own_entity_or_404(current_user)
    result = uploads.run_stashed(f"vendor-{current_user.id}", token, lambda path: import_catalog(
        path, actor=current_user.email, entity_id=entity.id))
    flash(_("Your listings are saved: %(created)d created, %(updated)d changed, %(unchanged)d as they were.",
            created=result.created, updated=result.updated, unchanged=result.unchanged) if result.ok else
          _("Nothing was imported: the file has errors."), "success" if result.ok else "error")
    return redirect(url_for("vendor.dashboard"))


@bp.get("/listings/upload/runs/<int:run_id>")
@role_required("vendor")
def listing_run(run_id):
    """A large listing file on the job worker: progress (the page reloads itself), the report, then the outcome."""
    run = policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)
    result = imports.result_of(run)
    return render_template("vendors/upload_run.html", run=run, result=result, finished=imports.as_json(run)["finished"],
                           outcome=listing_outcome(result) if run.stage == "checked" else None,
                           confirm_label=_("Save these listings"))


@bp.get("/listings/upload/runs/<int:run_id>.json")
@role_required("vendor")
def listing_run_json(run_id):
    """The run's stage and progress, for a page or a script that polls."""
    return jsonify(imports.as_json(policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)))


@bp.post("/listings/upload/runs/<int:run_id>/confirm")
@role_required("vendor")
def confirm_listing_run(run_id):
    """Save a large listing file that passed its check: the worker does it (a second click changes nothing)."""
    run = policy.get_or_404(imports.runs_of(current_user), run_id, ImportRun)
    if imports.confirm(run):
        db.session.commit()
    return redirect(url_for("vendor.listing_run", run_id=run.id))
