"""Vendor pages: applying as an OCOP entity, the entity's overview, listings, orders, showrooms and team."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.accounts import onboarding as services
from marketplace.accounts.models import EntityApplication, VendorMembership
from marketplace.core import uploads
from marketplace.core.actions import commit_or_flash
from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog import services as shop_services
from marketplace.shop.catalog.importer import import_catalog
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.catalog.rules import availability
from marketplace.shop.orders import fulfilment, statements
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.statements import statement_response
from marketplace.shop.orders.status import ORDER_STATUSES
from marketplace.showrooms import services as showroom_services
from marketplace.showrooms.models import PLACEMENT_LABELS, Placement, Showroom
from marketplace.vendors import exports
from marketplace.vendors.blueprint import bp
from marketplace.vendors.forms import ListingForm, VariantForm
from marketplace.web.account.forms import ApplicationForm, InviteForm, choices
from marketplace.web.officer.forms import UploadForm


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    """An OCOP entity applies to sell; an officer of its province decides."""
    applications = db.session.scalars(policy.applications_for(current_user).where(
        EntityApplication.user_id == current_user.id).order_by(EntityApplication.created_at.desc())).all()
    if not policy.can(current_user, "entity.apply"):
        return render_template("vendors/apply.html", form=None, applications=applications)
    form = ApplicationForm()
    form.province.choices = choices((p.code, p.name) for p in sorted(provinces().values(), key=lambda p: p.slug))
    if form.validate_on_submit():
        if current_user.email_verified_at is None:
            flash(_("Confirm your e-mail address first: we sent you a link."), "error")
        elif commit_or_flash(lambda: services.apply_for_entity(
                current_user, form.name.data.strip(), form.entity_type.data, (form.tax_code.data or "").strip(),
                form.province.data, form.address.data, form.phone.data),
                _("Thank you. An officer of your province will review the application.")):
            return redirect(url_for("vendor.apply"))
    return render_template("vendors/apply.html", form=form, applications=applications), 400 if form.errors else 200


@bp.get("/")
@role_required("vendor")
def dashboard():
    """The entity's products with their certificate status and what the storefront does with them."""
    entity = policy.own_entity_or_404(current_user)
    day = today()
    products = db.session.execute(policy.products_for(current_user).order_by(Product.name)).all()
    certificates = db.session.scalars(select(Certificate).join(Product, Product.id == Certificate.product_id)
                                      .where(Product.entity_id == entity.id)).all()
    by_product = {}
    for certificate in certificates:
        by_product.setdefault(certificate.product_id, []).append(certificate)
    rows = [(product, listing, availability(listing, by_product.get(product.id, []), day))
            for product, listing in products]
    status = request.args.get("status")
    status = status if status in ORDER_STATUSES else None
    placements = db.session.execute(select(Placement, Showroom, Product).join(
        Showroom, Showroom.id == Placement.showroom_id).join(Product, Product.id == Placement.product_id)
        .where(Product.entity_id == entity.id).order_by(Placement.updated_at.desc())).all()
    return render_template("vendors/dashboard.html", entity=entity, rows=rows, day=day,
                           members=policy.members_of(entity.id), invite_form=InviteForm(),
                           is_owner=policy.can(current_user, "entity.manage_team", entity), placements=placements,
                           showrooms=db.session.scalars(select(Showroom).order_by(Showroom.name)).all(),
                           placement_labels=PLACEMENT_LABELS, order_statuses=ORDER_STATUSES, status=status,
                           vendor_orders=policy.vendor_orders_for(current_user, status=status))


@bp.post("/team/invite")
@role_required("vendor")
def invite():
    """The owner invites a staff member by e-mail."""
    entity = policy.own_entity_or_404(current_user)
    policy.authorize(current_user, "entity.manage_team", entity)
    form = InviteForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.invite_staff(current_user, entity, form.email.data),
                        _("Invitation sent to %(email)s.", email=form.email.data))
    else:
        flash(_("Enter a valid e-mail address."), "error")
    return redirect(url_for("vendor.dashboard"))


@bp.post("/team/<int:membership_id>/remove")
@role_required("vendor")
def remove_member(membership_id):
    """The owner removes a staff member (members of other entities are not found)."""
    entity = policy.own_entity_or_404(current_user)
    membership = policy.get_or_404(select(VendorMembership).where(VendorMembership.entity_id == entity.id),
                                   membership_id, VendorMembership)
    policy.authorize(current_user, "entity.manage_team", entity)
    commit_or_flash(lambda: services.remove_member(current_user, entity, membership), _("Removed from the team."))
    return redirect(url_for("vendor.dashboard"))


@bp.post("/placements")
@role_required("vendor")
def request_placement():
    """Propose one of the entity's products to a showroom."""
    entity = policy.own_entity_or_404(current_user)
    product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id),
                                request.form.get("product_id", type=int) or 0, Product)
    showroom = db.session.get(Showroom, request.form.get("showroom_id", type=int) or 0)
    if showroom is None:
        abort(404)
    commit_or_flash(lambda: showroom_services.request_placement(current_user, product, showroom, today()),
                    _("Proposed to %(showroom)s.", showroom=showroom.name))
    return redirect(url_for("vendor.dashboard"))


@bp.post("/orders/<int:vendor_order_id>/<any(confirm, ship, deliver, cancel, refund):action>")
@role_required("vendor")
def fulfil(vendor_order_id, action):
    """Confirm, ship (carrier and tracking number), deliver, cancel or refund the entity's part of an order."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    commit_or_flash(lambda: fulfilment.act(part, action, current_user.email, request.form.get("carrier"),
                                           request.form.get("tracking_number"), request.form.get("note")),
                    _("Saved."))
    return redirect(url_for("vendor.dashboard"))


@bp.get("/orders/<int:vendor_order_id>/slip")
@role_required("vendor")
def packing_slip(vendor_order_id):
    """A printable packing slip for the entity's part of an order: who to ship to and what to pack."""
    entity = policy.own_entity_or_404(current_user)
    part = policy.get_or_404(select(VendorOrder).where(VendorOrder.entity_id == entity.id), vendor_order_id,
                             VendorOrder)
    order = db.session.get(Order, part.order_id)
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)
                               .order_by(OrderLine.id)).all()
    return render_template("vendors/slip.html", entity=entity, part=part, order=order, lines=lines,
                           province=provinces().get(order.province_code))


@bp.get("/statement.csv")
@role_required("vendor")
def statement():
    """What the platform owes the entity for delivered orders, after its commission (CSV)."""
    entity = policy.own_entity_or_404(current_user)
    return statement_response(statements.rows(entity_id=entity.id), f"statement-{entity.slug}.csv")


@bp.route("/products/<int:product_id>/listing", methods=["GET", "POST"])
@role_required("vendor")
def listing(product_id):
    """Create or edit the listing of one of the entity's certified products (drafts when not certified)."""
    entity = policy.own_entity_or_404(current_user)
    product = policy.get_or_404(select(Product).where(Product.entity_id == entity.id), product_id, Product)
    current = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    form = ListingForm(obj=current)
    if form.validate_on_submit():
        values = {"price_vnd": form.price_vnd.data, "stock": form.stock.data or 0, "unit": form.unit.data or None,
                  "description_vi": form.description_vi.data or None,
                  "description_en": form.description_en.data or None, "published": form.published.data}
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
                           variants=variants, variant_form=variant_form)
    return page, 400 if form.errors else 200


#: One page holds several variant forms; the app-wide CSRFProtect checks each request's ``csrf_token``.
VARIANT_META = {"csrf": False}


def _my_listing(listing_id):
    """A listing of the member's entity, else 404."""
    entity = policy.own_entity_or_404(current_user)
    scoped = select(Listing).join(Product, Product.id == Listing.product_id).where(Product.entity_id == entity.id)
    return policy.get_or_404(scoped, listing_id, Listing)


@bp.post("/listings/<int:listing_id>/variants", defaults={"variant_id": None})
@bp.post("/listings/<int:listing_id>/variants/<int:variant_id>")
@role_required("vendor")
def save_variant(listing_id, variant_id):
    """Add a package size (its own price and stock) to a listing, or change one."""
    current = _my_listing(listing_id)
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
    current = _my_listing(listing_id)
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
    form = UploadForm()
    if form.validate_on_submit():
        result, token = uploads.dry_run(form.file.data, f"vendor-{current_user.id}", lambda path: import_catalog(
            path, dry_run=True, actor=current_user.email, entity_id=entity.id))
        return render_template("vendors/upload.html", form=form, result=result, token=token)
    return render_template("vendors/upload.html", form=form, result=None), 400 if form.errors else 200


@bp.post("/listings/upload/<token>")
@role_required("vendor")
def confirm_listings(token):
    """Import a listing file that passed its dry run (only the uploader's own files are found)."""
    entity = policy.own_entity_or_404(current_user)
    result = uploads.run_stashed(f"vendor-{current_user.id}", token, lambda path: import_catalog(
        path, actor=current_user.email, entity_id=entity.id))
    flash(_("Imported: %(summary)s", summary=result.summary()) if result.ok else
          _("Nothing was imported: the file has errors."), "success" if result.ok else "error")
    return redirect(url_for("vendor.dashboard"))
