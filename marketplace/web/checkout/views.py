"""Basket, checkout and the customer's orders."""

from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts import addresses
from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.core.i18n import vnd
from marketplace.core.input import form_id, form_int
from marketplace.extensions import db
from marketplace.payments import gateways, refunds
from marketplace.payments import services as payments
from marketplace.reference.lookup import provinces, resolve_ward, wards_of
from marketplace.registry.qr import qr_svg
from marketplace.shipping import services as shipping
from marketplace.shop.cart import services as cart_services
from marketplace.shop.orders import services as orders
from marketplace.shop.orders.models import Order, OrderEvent, VendorOrder
from marketplace.shop.orders.status import CANCELLABLE
from marketplace.web.checkout import timeline
from marketplace.web.checkout.blueprint import bp
from marketplace.web.checkout.forms import CheckoutForm


def enabled_payments():
    """Payment methods offered now: cash on delivery always, the others when configured (or simulated)."""
    methods = ["cod"]
    if payments.transfer_configured():
        methods.append("bank_transfer")
    if payments.card_available():
        methods.append("card")
    methods += [method for method in gateways.GATEWAYS if gateways.is_available(method)]
    return tuple(methods)


@bp.get("/cart")
def cart():
    """The basket, grouped by producer, every line re-checked against the storefront rule."""
    basket = cart_services.view(cart_services.find_cart(current_user, session), today())
    return render_template("orders/cart.html", basket=basket)


@bp.post("/cart/add")
def add():
    """Add a product to the basket; with ``buy_now`` go straight to checkout."""
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
    if request.form.get("buy_now"):  # "Buy now": the same basket line, then straight to checkout
        return redirect(url_for("checkout.checkout"))
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


def _buyer():
    """The signed-in customer, or None for a guest."""
    return current_user if current_user.is_authenticated else None


def _prefill(user, known):
    """What the checkout form starts with: the chosen or default saved address, else the last order's address."""
    if user is None:
        return {}
    values = {"name": user.name or "", "email": user.email}
    chosen = form_id("address", source=request.args)
    source = next((a for a in known if a.saved and a.id == chosen), known[0] if known else None)
    if source is not None:
        ward = resolve_ward(source.province_code, source.ward_code or source.ward)  # old orders: converted
        values.update(name=source.name or values["name"], phone=source.phone, province=source.province_code,
                      ward=ward.name if ward else "", address=source.address)
    return values


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """Contact, address, payment, review (guests too): the storefront rule and the stock are checked again."""
    user = _buyer()
    cart_obj = cart_services.find_cart(current_user, session)
    known = orders.known_addresses(user) if user else []
    form = CheckoutForm(data=None if request.method == "POST" else _prefill(user, known))
    basket = cart_services.view(cart_obj, today(), form.province.data or None, _ward_code(form))
    # Read after the basket: an order placed by this form empties the basket in the same commit.
    if request.method == "POST" and (placed := orders.placed_with(user, form.submission.data)):
        return redirect(order_url(placed, placed=1))  # this form was submitted before: the same answer
    if not basket.groups:
        return redirect(url_for("checkout.cart"))
    if form.validate_on_submit():
        if form.payment_method.data not in enabled_payments():
            flash(_("This payment method is not available yet: choose cash on delivery."), "error")
        elif form.quoted.data and form.quoted.data != str(basket.shipping_vnd):
            flash(_("Shipping was priced again for this address: check the total, then place the order."), "error")
        else:
            return place(user, cart_obj, form)
    form.quoted.data = str(basket.shipping_vnd)
    return render_template("orders/checkout.html", form=form, basket=basket, enabled=enabled_payments(),
                           wards=wards_of(form.province.data or ""), saved=[a for a in known if a.saved]), (
        400 if form.errors else 200)


def _ward_code(form):
    """The official code of the ward the form names (typed, chosen or prefilled), or None."""
    ward = resolve_ward(form.province.data, form.ward.data) if form.province.data and form.ward.data else None
    return ward.code if ward else None


@bp.get("/checkout/quote")
def quote():
    """Each producer's shipping of the visitor's basket to a province and ward (the checkout page asks on change)."""
    province = request.args.get("province") or None
    ward = resolve_ward(province, request.args.get("ward")) if province else None
    basket = cart_services.view(cart_services.find_cart(current_user, session), today(), province,
                                ward.code if ward else None)
    return jsonify(shipping=basket.shipping_vnd, total=basket.total_vnd, total_text=vnd(basket.total_vnd),
                   parts=[timeline.quote_row(group) for group in basket.groups])


def place(user, cart_obj, form):
    """Place the order of a valid checkout form, under the basket's lock, and send the buyer on."""
    cart_services.lock(cart_obj)  # one checkout of a basket at a time
    placed = orders.placed_with(user, form.submission.data)
    if placed is not None:  # this very form was already submitted: show that order
        return redirect(order_url(placed, placed=1))
    ward = form.ward_unit
    basket = cart_services.view(cart_obj, today(), form.province.data, ward.code)  # as it is now, under the lock
    if not basket.groups:
        return redirect(url_for("checkout.cart"))
    contact = orders.Contact(form.name.data.strip(), form.email.data.strip(), form.phone.data, form.province.data,
                             ward.name, form.address.data.strip(), ward_code=ward.code)
    try:
        order = orders.place_order(user, cart_obj, basket, contact, form.payment_method.data, today(),
                                   submission=form.submission.data or None)
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("checkout.cart"))
    parts = db.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
    shipping.keep_quotes(parts, {group.entity.id: group.quote for group in basket.groups})
    _after_placing(user, order, form)
    db.session.commit()
    if order.payment_method == "card":
        return _send_on(order, start_card_payment(order))
    if order.payment_method in gateways.GATEWAYS:
        return redirect(start_gateway_payment(order))
    if order.payment_method == "bank_transfer":
        payments.start_bank_transfer(order)
        db.session.commit()
    return redirect(order_url(order, placed=1))


def _after_placing(user, order, form):
    """Keep the address when asked (signed in), or mail a guest the link to their order."""
    if user is None:
        orders.send_guest_link(order, str(get_locale() or "vi"))
    elif form.save_address.data:
        addresses.save(user, order.name, order.phone, order.province_code, form.ward_unit, order.address)


def order_url(order, **values):
    """The order's page: signed with its key for a guest's order."""
    if order.user_id is None:
        values["key"] = orders.guest_key(order)
    return url_for("checkout.detail", reference=order.reference, **values)


@bp.get("/checkout/wards/<province_code>.json")
def ward_list(province_code):
    """The communes and wards of one province (code and name), for the ward picker."""
    rows = [{"code": w.code, "name": w.name} for w in wards_of(province_code)]
    if not rows:
        abort(404)
    return jsonify(rows), 200, {"Cache-Control": "public, max-age=86400"}


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


def _send_on(order, url):
    """Redirect within the site; to another site (Stripe Checkout) through a page of ours, not a redirect.

    The CSP's ``form-action 'self'`` also covers the redirects that follow a form, so Chromium would block a 303
    from this form to Stripe: the page answers the form and its refresh (a new navigation) goes on.
    """
    if not urlsplit(url).netloc or urlsplit(url).netloc == request.host:
        return redirect(url)
    return render_template("payments/gateway_pay.html", order=order, url=url, gateway="Stripe",
                           order_link=order_url(order))


def start_gateway_payment(order):
    """Open a placed order's VNPay or MoMo payment (a page of ours sends the buyer on); else cancel the order."""
    try:
        gateways.start_payment(order, request.remote_addr, str(get_locale() or "vi"))
    except payments.PaymentError as error:
        db.session.rollback()
        current_app.logger.warning("%s payment for %s could not start: %s", order.payment_method, order.reference,
                                   error.message)
        orders.cancel(order, "system", _("The payment could not be started."))
        db.session.commit()
        flash(_("The payment could not be started; the order was cancelled. Try another way to pay."), "error")
        return order_url(order)
    db.session.commit()
    return url_for("checkout.gateway_pay", reference=order.reference,
                   **({"key": orders.guest_key(order)} if order.user_id is None else {}))


def _my_order(reference):
    """The signed-in customer's order, or a guest's opened by its signed key; other orders are not found."""
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    mine = order is not None and current_user.is_authenticated and order.user_id == current_user.id
    if not mine and not (order is not None and orders.guest_key_opens(order, request.values.get("key"))):
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
def detail(reference):
    """One order: a confirmation just after placing, payment, a timeline per producer, cancelling."""
    order = _my_order(reference)
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.at, OrderEvent.id)).all()
    transfer = order.payment_method == "bank_transfer" and order.status == "pending_payment"
    parts = orders.lines_of(order)
    return render_template("orders/detail.html", order=order, parts=parts, events=events,
                           province=provinces()[order.province_code], transfer=transfer,
                           timelines=timeline.per_part(order, parts, events,
                                                       shipping.shipments_of([part.id for part, _lines in parts])),
                           payment=timeline.payment_state(order),
                           bank=timeline.bank_name(current_app.config.get("BANK_TRANSFER_BIN")),
                           key=request.args.get("key") if order.user_id is None else None,
                           placed=request.args.get("placed") == "1",
                           whole_cancellable=order.status in CANCELLABLE and not orders.sent_parts(order))


@bp.get("/orders/<reference>/vietqr.svg")
def vietqr(reference):
    """The VietQR code (bank, account, amount and order reference) for paying an order by transfer."""
    order = _my_order(reference)
    if order.payment_method != "bank_transfer" or order.status != "pending_payment":
        abort(404)
    svg = qr_svg(payments.transfer_payload(order))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=600"})


@bp.post("/orders/<reference>/cancel")
def cancel(reference):
    """Cancel an order no part of which has shipped, or one producer's part not shipped yet (``part``)."""
    order = _my_order(reference)
    part_id = form_id("part")
    actor = current_user.email if current_user.is_authenticated else order.email
    try:
        if part_id:
            refunds.cancel_part(order, part_id, actor, _("Cancelled by the customer."))
        else:
            refunds.cancel_order(order, actor, _("Cancelled by the customer."))
    except Refused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("This part of your order has been cancelled.") if part_id else _("Your order has been cancelled."),
              "success")
    return redirect(order_url(order))
