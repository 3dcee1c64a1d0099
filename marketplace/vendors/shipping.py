"""The entity's shipping settings: where the carrier picks up its parcels, and its free-shipping threshold."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.access import policy
from marketplace.access.decorators import role_required
from marketplace.extensions import db
from marketplace.reference.lookup import wards, wards_of
from marketplace.shipping import ghn_client
from marketplace.shipping.models import ShippingProfile
from marketplace.shipping.quotes import pickup_ward
from marketplace.vendors.blueprint import bp
from marketplace.vendors.forms import ShippingProfileForm


def _prefill(entity, profile):
    """The form's values: the saved pick-up address, else the ward read from the entity's address."""
    ward = pickup_ward(entity, profile)
    values = {"province": ward.province_code if ward else entity.province_code, "ward": ward.name if ward else ""}
    if profile is not None:
        values.update(address=profile.address or "", phone=profile.phone or "", free_over_vnd=profile.free_over_vnd)
    else:
        values["address"] = entity.address or ""
    return values


@bp.route("/shipping", methods=["GET", "POST"])
@role_required("vendor")
def shipping_settings():
    """The pick-up address (ward of the official list, street, phone) and the free-shipping threshold."""
    entity = policy.own_entity_or_404(current_user)
    profile = db.session.get(ShippingProfile, entity.id)
    form = ShippingProfileForm(data=None if request.method == "POST" else _prefill(entity, profile))
    if form.validate_on_submit():
        if profile is None:
            profile = ShippingProfile(entity_id=entity.id)
            db.session.add(profile)
        profile.ward_code, profile.address = form.ward_unit.code, form.address.data.strip()
        profile.phone, profile.free_over_vnd = form.phone.data, form.free_over_vnd.data or None
        db.session.commit()
        flash(_("Saved. Parcels are picked up from this address."), "success")
        return redirect(url_for("vendor.dashboard", _anchor="orders"))
    ward = wards().get(profile.ward_code) if profile and profile.ward_code else None
    return render_template("vendors/shipping.html", form=form, entity=entity, ward=ward,
                           carrier=ghn_client.settings(), wards=wards_of(form.province.data or "")), (
        400 if form.errors else 200)
