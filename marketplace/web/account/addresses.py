"""A buyer's saved delivery addresses: list, add, edit, make default, remove; another person's answers 404."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import addresses
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reference.lookup import provinces, wards_of
from marketplace.web.account.blueprint import bp
from marketplace.web.account.forms import SavedAddressForm


def _mine_or_404(address_id):
    """One of the signed-in user's saved addresses; anyone else's is not found."""
    return addresses.find(current_user, address_id) or abort(404)


def _prefill(saved):
    """What the form starts with: the saved address, or the account's name for a new one."""
    if saved is None:
        return {"name": current_user.name or ""}
    return {"name": saved.name, "phone": saved.phone, "province": saved.province_code, "ward": saved.ward,
            "address": saved.address, "is_default": saved.is_default}


def _form_page(form, saved, error=None):
    """The add or edit page; 400 when the form or the service refused what was sent."""
    page = render_template("accounts/address_form.html", form=form, saved=saved, error=error,
                           wards=wards_of(form.province.data or ""))
    return page, 400 if (error or form.errors) else 200


def _store(form, saved):
    """Add or change the address from a valid form and commit; the page again with the reason when refused."""
    values = (form.name.data.strip(), form.phone.data, form.province.data, form.ward_unit, form.address.data)
    try:
        if saved is None:
            addresses.add(current_user, *values, default=form.is_default.data)
        else:
            addresses.change(current_user, saved, *values, default=form.is_default.data)
    except Refused as error:
        db.session.rollback()
        return _form_page(form, saved, error.message)
    db.session.commit()
    flash(_("The address was saved."), "success")
    return redirect(url_for("account.saved_addresses"))


def _address_form(saved):
    """Show the form for ``saved`` (None: a new address), or store what was sent."""
    form = SavedAddressForm(data=None if request.method == "POST" else _prefill(saved))
    if form.validate_on_submit():
        return _store(form, saved)
    return _form_page(form, saved)


@bp.get("/account/addresses")
@login_required
def saved_addresses():
    """The delivery addresses kept in the account, the default first, each with what can be done to it."""
    return render_template("accounts/addresses.html", saved=addresses.of(current_user), provinces=provinces())


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@login_required
def add_address():
    """Add a delivery address with the checkout's fields: province, official commune or ward, phone."""
    return _address_form(None)


@bp.route("/account/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_address(address_id):
    """Change one of the user's saved addresses."""
    return _address_form(_mine_or_404(address_id))


@bp.post("/account/addresses/<int:address_id>/default")
@login_required
def default_address(address_id):
    """Make one saved address the default offered at checkout (the only default)."""
    saved = _mine_or_404(address_id)
    addresses.make_default(current_user, saved)
    db.session.commit()
    flash(_("This address is now your default."), "success")
    return redirect(url_for("account.saved_addresses"))


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def delete_address(address_id):
    """Forget a saved address (the newest one left becomes the default when it was)."""
    saved = _mine_or_404(address_id)
    addresses.remove(current_user, saved)
    db.session.commit()
    flash(_("The address was removed."), "success")
    return redirect(url_for("account.saved_addresses"))
