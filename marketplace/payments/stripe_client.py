"""The only module that imports ``stripe``: one function per API call, each returning ``(result, error)``.

Results are plain dicts (stripe-python 16's ``StripeObject`` is no longer a ``dict``; we call ``to_dict()``), and
``error`` is a short English message for logs and for callers to map to a translated page; Stripe's exceptions
never reach callers. Keys and the API address come from the Flask config (``STRIPE_SECRET_KEY``,
``STRIPE_API_BASE``; the latter points tests and development at ``payments/fake_stripe.py``).

Money: VND is a zero-decimal currency for Stripe, so amounts are integer đồng sent as they are
(``150000`` is 150.000 ₫; never multiplied by 100).
"""

import logging
import threading
import time

import stripe
from flask import current_app

from marketplace.core import clock

log = logging.getLogger(__name__)

CURRENCY = "vnd"
#: Stripe's amount fields hold at most 8 digits: 99,999,999 ₫ is the largest charge.
MAXIMUM_VND = 99_999_999
#: Stripe's minimum charge is about US$0.50, converted into the settlement currency at the day's rate;
#: 13,000 ₫ is an approximation (≈ US$0.50 in 2026) with a little headroom, not a figure Stripe publishes.
MINIMUM_VND = 13_000
#: Seconds to wait for Stripe (connect and read) before giving up on one attempt.
TIMEOUT_SECONDS = 10
#: Retries on connection errors, 409 and 5xx; stripe-python reuses the request's Idempotency-Key on each retry.
MAX_NETWORK_RETRIES = 2
#: Stripe accepts a Checkout Session expiry from 30 minutes to 24 hours after creation.
EXPIRY_MINUTES_RANGE = (30, 24 * 60)
#: Seconds added to ``expires_at`` so latency or a retry never leaves Stripe less than the 30 minutes it requires.
EXPIRY_MARGIN_SECONDS = 60

_clients = {}
_clients_lock = threading.Lock()


def is_configured():
    """True when a Stripe secret key is configured."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def _client():
    """The StripeClient for the configured key and address, built once per (key, address) pair."""
    api_key = current_app.config.get("STRIPE_SECRET_KEY")
    base = current_app.config.get("STRIPE_API_BASE") or None
    with _clients_lock:
        client = _clients.get((api_key, base))
        if client is None:
            client = stripe.StripeClient(
                api_key,
                base_addresses={"api": base} if base else None,
                max_network_retries=MAX_NETWORK_RETRIES,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
            )
            _clients[(api_key, base)] = client
    return client


def _describe(error):
    """A short message for a Stripe exception."""
    detail = error.user_message or str(error) or type(error).__name__
    if isinstance(error, stripe.AuthenticationError):
        return "Stripe rejected the API key."
    if isinstance(error, stripe.APIConnectionError):
        return "Stripe could not be reached; try again shortly."
    if isinstance(error, stripe.RateLimitError):
        return "Stripe is busy (rate limited); try again shortly."
    if isinstance(error, stripe.IdempotencyError):
        return f"Stripe refused a reused idempotency key: {detail}"
    return f"Stripe refused the request: {detail}"


def _call(action, method, *args, **kwargs):
    """Run one Stripe call: ``(dict, None)`` on success, ``(None, message)`` on any Stripe error."""
    if not is_configured():
        return None, "Stripe is not configured (STRIPE_SECRET_KEY is empty)."
    try:
        result = method(_client(), *args, **kwargs)
    except stripe.StripeError as error:
        log.warning("stripe %s failed: %s (request id %s)", action, error, getattr(error, "request_id", None))
        return None, _describe(error)
    return result.to_dict(), None


def _is_positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_lines(lines):
    """Why ``lines`` (name, unit amount in đồng, quantity) cannot be charged, or None when they can."""
    if not lines:
        return "There is nothing to pay for."
    for name, unit_amount, quantity in lines:
        if not _is_positive_int(unit_amount) or not _is_positive_int(quantity):
            return f"Invalid amount or quantity for {name!r}: amounts are whole đồng and quantities whole units."
    total = sum(unit_amount * quantity for _, unit_amount, quantity in lines)
    if total > MAXIMUM_VND:
        return f"The total {total:,} ₫ is above the {MAXIMUM_VND:,} ₫ Stripe accepts in one payment."
    if total < MINIMUM_VND:
        return f"The total {total:,} ₫ is below the minimum card payment of about {MINIMUM_VND:,} ₫ (US$0.50)."
    return None


def create_checkout_session(order_reference, lines, success_url, cancel_url, customer_email, idempotency_key,
                            expires_in_minutes=30):
    """Create a Checkout Session in VND for ``lines`` [(name, unit_amount_vnd, quantity)].

    :param order_reference: stored in the session's and the payment intent's metadata as ``order_reference``.
    :param idempotency_key: required; a retry with the same key *and the same parameters* returns the same session.
        Stripe compares parameters, and ``expires_at`` follows ``clock.now()``: a retry seconds later gets an
        idempotency error, so callers keep the session id and reuse an open session rather than recreate it.
    :param expires_in_minutes: 30 to 1440 (Stripe's range); ``expires_at`` gets a one-minute margin on top.
    """
    problem = check_lines(lines)
    if not idempotency_key:
        problem = problem or "An idempotency key is required to create a Checkout Session."
    if not EXPIRY_MINUTES_RANGE[0] <= expires_in_minutes <= EXPIRY_MINUTES_RANGE[1]:
        problem = problem or "A Checkout Session must expire between 30 minutes and 24 hours after creation."
    if problem:
        return None, problem
    metadata = {"order_reference": order_reference}
    params = {
        "mode": "payment",
        "currency": CURRENCY,
        "line_items": [
            {"price_data": {"currency": CURRENCY, "unit_amount": unit_amount, "product_data": {"name": name}},
             "quantity": quantity}
            for name, unit_amount, quantity in lines
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "client_reference_id": order_reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "customer_email": customer_email,  # None is left out by stripe-python
        "expires_at": int(clock.now().timestamp()) + expires_in_minutes * 60 + EXPIRY_MARGIN_SECONDS,
    }
    return _call("create_checkout_session", lambda client: client.v1.checkout.sessions.create(
        params, {"idempotency_key": idempotency_key}))


def retrieve_checkout_session(session_id):
    """The Checkout Session ``session_id`` (status, payment_status, payment_intent, amount_total, metadata...)."""
    return _call("retrieve_checkout_session", lambda client: client.v1.checkout.sessions.retrieve(session_id))


def expire_checkout_session(session_id):
    """Expire an open Checkout Session so that it can no longer be paid."""
    return _call("expire_checkout_session", lambda client: client.v1.checkout.sessions.expire(session_id))


def refund(payment_intent_id, amount_vnd=None, *, idempotency_key, metadata=None):
    """Refund a payment intent: all of what remains (``amount_vnd=None``) or ``amount_vnd`` đồng (one vendor order).

    :param idempotency_key: required (keyword); e.g. ``refund-<vendor order reference>`` so a retry refunds once.
    """
    if amount_vnd is not None and not (_is_positive_int(amount_vnd) and amount_vnd <= MAXIMUM_VND):
        return None, f"Invalid refund amount {amount_vnd!r}: a whole number of đồng from 1 to {MAXIMUM_VND:,}."
    if not idempotency_key:
        return None, "An idempotency key is required to refund."
    params = {"payment_intent": payment_intent_id, "amount": amount_vnd, "metadata": metadata}
    return _call("refund", lambda client: client.v1.refunds.create(params, {"idempotency_key": idempotency_key}))


def construct_event(payload_bytes, signature_header, secret, tolerance=300):
    """Verify a webhook's ``Stripe-Signature`` over the raw body and parse it: ``(event dict, None)`` or an error.

    Refused: a missing or malformed header, a wrong signature or secret, a timestamp older than ``tolerance``
    seconds or more than ``tolerance`` seconds in the future (stripe-python checks only the past), and a body that
    is not a JSON event.
    """
    if not secret:
        return None, "The webhook secret is not configured."
    if _signed_in_future(signature_header, tolerance):
        return None, "Invalid Stripe signature: timestamp in the future"
    try:
        event = stripe.Webhook.construct_event(payload_bytes, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as error:
        return None, f"Invalid Stripe signature: {error.user_message or error}"
    except (ValueError, TypeError, AttributeError) as error:  # not UTF-8 JSON, not an object, or a thin v2 event
        return None, f"Invalid webhook payload: {error}"
    return event.to_dict(), None


def _signed_in_future(signature_header, tolerance):
    """True when the header's ``t=`` timestamp lies more than ``tolerance`` seconds ahead of our clock."""
    for item in (signature_header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value) > time.time() + tolerance
    return False
