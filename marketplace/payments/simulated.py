"""The labelled simulated card payment of development: Stripe-shaped, Stripe-signed webhook events.

Without Stripe keys (and with ``SIMULATED_PAYMENTS``), the checkout sends the buyer to a clearly labelled page
whose buttons post the same signed ``checkout.session.*`` event Stripe would send to ``/webhooks/stripe``, so
the whole card journey runs through the real verification and event handling.
"""

import hashlib
import hmac
import secrets
import time

from flask import current_app

from marketplace.payments import stripe_client

#: The API version stamped on events built by ``event()`` (stripe-python 16.1's pinned version).
API_VERSION = "2026-10-28.endive"


def simulated():
    """True when card payments go to the labelled simulated page (development without Stripe keys)."""
    return not stripe_client.is_configured() and current_app.config.get("SIMULATED_PAYMENTS", False)


def webhook_secret():
    """The signing secret: Stripe's in production, a per-process one for the simulated checkout."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret and simulated():
        secret = current_app.config.setdefault("SIMULATED_WEBHOOK_SECRET", "whsec_sim_" + secrets.token_hex(16))
    return secret


def sign_payload(payload_bytes, secret, timestamp=None):
    """The ``Stripe-Signature`` header Stripe sends: ``t=<unix>,v1=<HMAC-SHA256 of "<t>.<payload>">``."""
    if isinstance(payload_bytes, str):
        payload_bytes = payload_bytes.encode()
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload_bytes, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(type, data_object, id=None):  # noqa: A002 - Stripe's field names
    """A Stripe-shaped snapshot event wrapping ``data_object`` (serialise with ``json.dumps``)."""
    return {"id": id or f"evt_test_{secrets.token_hex(12)}", "object": "event", "api_version": API_VERSION,
            "created": int(time.time()), "data": {"object": data_object}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": type}



def session_event(order, paid):
    """The event Stripe sends when the buyer pays (``paid``) or abandons the simulated session of ``order``."""
    session = {"id": f"cs_sim_{order.reference}", "object": "checkout.session", "amount_total": order.total_vnd,
               "currency": "vnd", "payment_status": "paid" if paid else "unpaid",
               "status": "complete" if paid else "expired", "payment_intent": f"pi_sim_{order.reference}",
               "metadata": {"order_reference": order.reference}}
    return event("checkout.session.completed" if paid else "checkout.session.expired", session)
