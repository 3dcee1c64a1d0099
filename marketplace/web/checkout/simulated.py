"""The labelled simulated card page of development: it posts the signed webhook Stripe would send."""

import json

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments import simulated
from marketplace.shop.orders.models import Order
from marketplace.web.checkout.blueprint import bp


@bp.route("/payments/simulated/<reference>", methods=["GET", "POST"])
@login_required
def simulated_checkout(reference):
    """SIMULATED card payment (development only): sends the same signed webhook Stripe would."""
    if not simulated.simulated():
        abort(404)
    order = db.session.scalar(select(Order).where(Order.reference == reference, Order.user_id == current_user.id))
    if order is None:
        abort(404)
    if request.method == "POST":
        payload = json.dumps(simulated.session_event(order, paid=request.form.get("outcome") == "pay")).encode()
        response = current_app.test_client().post(
            url_for("webhooks.stripe_webhook"), data=payload, content_type="application/json",
            headers={"Stripe-Signature": simulated.sign_payload(payload, simulated.webhook_secret())})
        current_app.logger.info("simulated webhook answered %s", response.status_code)
        return redirect(url_for("checkout.detail", reference=order.reference))
    return render_template("payments/simulated.html", order=order)
