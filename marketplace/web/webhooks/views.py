"""The Stripe webhook: signature verified on the raw body, each event applied once."""

from flask import abort, current_app, jsonify, request

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.payments import services, stripe_client
from marketplace.payments.simulated import webhook_secret
from marketplace.web.webhooks.blueprint import bp


@bp.post("/webhooks/stripe")
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
    try:
        outcome = services.apply_stripe_event(event)
    except Refused as refusal:  # the order changed in a way this event cannot follow: Stripe will retry
        db.session.rollback()
        current_app.logger.warning("stripe event %s not applied: %s", event.get("id"), refusal.message)
        return jsonify(received=False, outcome="conflict: retry later"), 409
    db.session.commit()
    return jsonify(received=True, outcome=outcome)
