"""Basket, checkout and the customer's orders."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.core.forms import choices
from marketplace.core.input import form_id, form_int
from marketplace.extensions import db
from marketplace.payments import refunds
from marketplace.payments import services as payments
from marketplace.reference.lookup import provinces
from marketplace.registry.qr import qr_svg
from marketplace.shop.cart import services as cart_services
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderEvent
from marketplace.web.checkout.blueprint import bp
from marketplace.web.checkout.forms import CheckoutForm


def enabled_payments():
    """Payment methods offered now: cash on delivery always, card when Stripe (or its simulation) is there."""
    methods = ["cod"]
    if payments.transfer_configured():
        methods.append("bank_transfer")
    if payments.card_available():
        methods.append("card")
    return tuple(methods)


@bp.get("/cart")
def cart():
    """The basket, grouped by producer, every line re-checked against the storefront rule."""
    basket = cart_services.view(cart_services.find_cart(current_user, session), today())
    return render_template("orders/cart.html", basket=basket)


@bp.post("/cart/add")
def add():
    """Add a product to the basket."""
    listing_id, variant_id = form_id("listing_id") or 0, form_id("variant_id")
    quantity = form_int("quantity", default=1)
    cart_obj = cart_services.get_or_create_cart(current_user, session)
    try:
        _line, capped = cart_services.add(cart_obj, listing_id, quantity, today(), variant_id)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(request.referrer or url_for("storefront.home"))
    db.session.commit()
    flash(_("Added to your basket (limited to the stock).") if capped else _("Added to your basket."), "success")
    return redirect(url_for("checkout.cart"))


@bp.post("/cart/lines/<int:line_id>")
def update(line_id):
    """Change a line's quantity (0 removes it)."""
    quantity = form_int("quantity", default=0)
    cart_obj = cart_services.find_cart(current_user, session)
    if cart_obj is None:
        abort(404)
    cart_services.set_quantity(cart_obj, line_id, quantity)
    db.session.commit()
    return redirect(url_for("checkout.cart"))


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout():
    """Contact, address, payment, review: the storefront rule and the stock are checked again on placing."""
    cart_obj = cart_services.find_cart(current_user, session)
    form = CheckoutForm(name=current_user.name, email=current_user.email)
    form.province.choices = choices((p.code, p.name) for p in sorted(provinces().values(), key=lambda p: p.slug))
    basket = cart_services.view(cart_obj, today(), form.province.data)
    # Read after the basket: an order placed by this form empties the basket in the same commit.
    if request.method == "POST" and (placed := orders.placed_with(current_user, form.submission.data)):
        return redirect(url_for("checkout.detail", reference=placed.reference))  # this form was submitted before
    if not basket.groups:
        return redirect(url_for("checkout.cart"))
    if form.validate_on_submit():
        if form.payment_method.data not in enabled_payments():
            flash(_("This payment method is not available yet: choose cash on delivery."), "error")
        else:
            cart_services.lock(cart_obj)  # one checkout of a basket at a time
            placed = orders.placed_with(current_user, form.submission.data)
            if placed is not None:  # this very form was already submitted: show that order
                return redirect(url_for("checkout.detail", reference=placed.reference))
            basket = cart_services.view(cart_obj, today(), form.province.data)  # as it is now, under the lock
            if not basket.groups:
                return redirect(url_for("checkout.cart"))
            contact = orders.Contact(form.name.data, form.email.data, form.phone.data, form.province.data,
                                     form.ward.data, form.address.data)
            try:
                order = orders.place_order(current_user, cart_obj, basket, contact, form.payment_method.data,
                                           today(), submission=form.submission.data or None)
            except Refused as error:
                db.session.rollback()
                flash(error.message, "error")
                return redirect(url_for("checkout.cart"))
            db.session.commit()
            if order.payment_method == "card":
                return redirect(start_card_payment(order))
            if order.payment_method == "bank_transfer":
                payments.start_bank_transfer(order)
                db.session.commit()
            return redirect(url_for("checkout.detail", reference=order.reference))
    return render_template("orders/checkout.html", form=form, basket=basket,
                           enabled=enabled_payments()), 400 if form.errors else 200


def start_card_payment(order):
    """Open the card payment for a placed order; if it cannot start, the order is cancelled and says why."""
    try:
        url = payments.start_card_payment(order)
    except payments.PaymentError as error:
        db.session.rollback()
        current_app.logger.warning("card payment for %s could not start: %s", order.reference, error.message)
        orders.cancel(order, "system", _("The card payment could not be started."))
        db.session.commit()
        flash(_("The card payment could not be started; the order was cancelled. Try cash on delivery."), "error")
        return url_for("checkout.detail", reference=order.reference)
    db.session.commit()
    return url


def _my_order(reference):
    """Load the signed-in customer's order; other people's orders are not found."""
    order = db.session.scalar(select(Order).where(Order.reference == reference, Order.user_id == current_user.id))
    if order is None:
        abort(404)
    return order


@bp.get("/orders")
@login_required
def history():
    """The customer's orders, newest first."""
    rows = db.session.scalars(select(Order).where(Order.user_id == current_user.id)
                              .order_by(Order.created_at.desc()).limit(100)).all()
    return render_template("orders/history.html", orders=rows)


@bp.get("/orders/<reference>")
@login_required
def detail(reference):
    """One order with its parts, lines and events."""
    order = _my_order(reference)
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.at)).all()
    transfer = order.payment_method == "bank_transfer" and order.status == "pending_payment"
    return render_template("orders/detail.html", order=order, parts=orders.lines_of(order), events=events,
                           province=provinces()[order.province_code], transfer=transfer)


@bp.get("/orders/<reference>/vietqr.svg")
@login_required
def vietqr(reference):
    """The VietQR code (bank, account, amount and order reference) for paying an order by transfer."""
    order = _my_order(reference)
    if order.payment_method != "bank_transfer" or order.status != "pending_payment":
        abort(404)
    svg = qr_svg(payments.transfer_payload(order))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=600"})


@bp.post("/orders/<reference>/cancel")
@login_required
def cancel(reference):
    """Cancel an order that has not shipped; the stock returns."""
    order = _my_order(reference)
    try:
        refunds.cancel_order(order, current_user.email, _("Cancelled by the customer."))
    except Refused as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your order has been cancelled."), "success")
    return redirect(url_for("checkout.detail", reference=order.reference))
