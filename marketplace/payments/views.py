"""The Stripe webhook, and the labelled simulated checkout used in development without Stripe keys."""

import json
import secrets

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.extensions import csrf, db
from marketplace.payments import services, stripe_client
from marketplace.payments.fake_stripe import event as stripe_event
from marketplace.payments.fake_stripe import sign_payload
from marketplace.shop.orders.models import Order

bp = Blueprint("payments", __name__)


def webhook_secret():
    """The signing secret: Stripe's in production, a per-process one for the simulated checkout."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret and services.simulated():
        secret = current_app.config.setdefault("SIMULATED_WEBHOOK_SECRET", "whsec_sim_" + secrets.token_hex(16))
    return secret


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    """Verify the signature on the raw body (400 when it fails), apply the event once, answer 200."""
    secret = webhook_secret()
    if not secret:
        abort(400)
    event, error = stripe_client.construct_event(request.get_data(), request.headers.get("Stripe-Signature", ""),
                                                 secret)
    if error:
        current_app.logger.warning("stripe webhook refused: %s", error)
        return jsonify(error="invalid signature"), 400
    if services.already_processed(event["id"]):
        return jsonify(received=True, outcome="duplicate")
    outcome = services.apply_stripe_event(event)
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


@bp.route("/payments/simulated/<reference>", methods=["GET", "POST"])
@login_required
def simulated_checkout(reference):
    """SIMULATED card payment (development only): sends the same signed webhook Stripe would."""
    if not services.simulated():
        abort(404)
    order = db.session.scalar(select(Order).where(Order.reference == reference, Order.user_id == current_user.id))
    if order is None:
        abort(404)
    if request.method == "POST":
        paid = request.form.get("outcome") == "pay"
        session = {"id": f"cs_sim_{order.reference}", "object": "checkout.session", "amount_total": order.total_vnd,
                   "currency": "vnd", "payment_status": "paid" if paid else "unpaid",
                   "status": "complete" if paid else "expired", "payment_intent": f"pi_sim_{order.reference}",
                   "metadata": {"order_reference": order.reference}}
        payload = json.dumps(stripe_event("checkout.session.completed" if paid else "checkout.session.expired",
                                          session)).encode()
        response = current_app.test_client().post(
            url_for("payments.stripe_webhook"), data=payload, content_type="application/json",
            headers={"Stripe-Signature": sign_payload(payload, webhook_secret())})
        current_app.logger.info("simulated webhook answered %s", response.status_code)
        return redirect(url_for("orders.detail", reference=order.reference))
    return render_template("payments/simulated.html", order=order)
