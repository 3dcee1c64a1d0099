"""A signed-in buyer's wishlist (the heart on product pages) and the products they viewed lately."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.clock import today
from marketplace.core.security import safe_next
from marketplace.extensions import db
from marketplace.shop.cart import wishlist
from marketplace.web.account.blueprint import bp


@bp.get("/account/wishlist")
@login_required
def wishlist_page():
    """The wishlist and the recently viewed products, both only as far as they are listed today."""
    day = today()
    return render_template("accounts/wishlist.html", wished=wishlist.wishlist_cards(current_user, day),
                           recent=wishlist.recent_cards(current_user, session, day))


@bp.post("/account/wishlist/<int:product_id>")
@login_required
def wishlist_add(product_id):
    """Put a product on the wishlist and go back to it."""
    wishlist.add(current_user, product_id)
    db.session.commit()
    flash(_("Saved to your wishlist."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("account.wishlist_page"))


@bp.post("/account/wishlist/<int:product_id>/remove")
@login_required
def wishlist_remove(product_id):
    """Take a product off the wishlist and go back where the buyer was."""
    wishlist.remove(current_user, product_id)
    db.session.commit()
    flash(_("Removed from your wishlist."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("account.wishlist_page"))
