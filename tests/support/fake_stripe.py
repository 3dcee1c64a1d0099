"""A small fake of the Stripe API endpoints ``stripe_client`` uses, for tests and development.

stripe-mock cannot be installed here and localstripe has no Checkout Sessions, so this WSGI app answers, in
Stripe's shapes, exactly: ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/<id>``,
``POST /v1/checkout/sessions/<id>/expire`` and ``POST /v1/refunds``. It checks the bearer key, decodes
stripe-python's form encoding (``line_items[0][price_data][unit_amount]=150000``), honours ``Idempotency-Key``
(same key and parameters → the stored answer; other parameters → 400 ``idempotency_error``), refuses totals
outside Stripe's limits and records every request in ``requests``. A session's ``url`` leads to a simulated
checkout page served here (``GET/POST /checkout/<id>``) whose Pay button calls ``complete()``.

Run it for development with ``python -m tests.support.fake_stripe --port 12111`` and set
``STRIPE_API_BASE=http://127.0.0.1:12111`` and ``STRIPE_SECRET_KEY=sk_test_fake``.
This module does not import ``stripe``; ``sign_payload`` and ``event`` (from ``payments/simulated.py``) build
webhooks as Stripe does.
"""

import argparse
import copy
import json
import re
import secrets
import threading
from contextlib import contextmanager
from html import escape

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from marketplace.core import clock
from marketplace.payments.simulated import event, sign_payload  # noqa: F401  (tests build webhooks with them)

MAXIMUM_AMOUNT = 99_999_999


class FakeStripeError(Exception):
    """An error answer in Stripe's shape: ``{"error": {"type", "message", "code", "param"}}``."""

    def __init__(self, status, message, code=None, param=None, kind="invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.body = {"error": {k: v for k, v in
                               {"type": kind, "message": message, "code": code, "param": param}.items() if v}}


def decode_form(pairs):
    """Nest stripe-python's bracketed form fields into dicts and lists (indexes become list positions)."""
    root = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


def _integer(value, param, minimum=0):
    """A form value as an int, refused like Stripe refuses it."""
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise FakeStripeError(400, f"Invalid integer: {value}", "parameter_invalid_integer", param)
    if int(value) < minimum:
        raise FakeStripeError(400, f"This value must be greater than or equal to {minimum}.",
                              "parameter_invalid_integer", param)
    return int(value)


class FakeStripe:
    """The fake Stripe: a WSGI app holding sessions, payment intents and refunds in memory.

    :param api_key: the only secret key accepted (``Authorization: Bearer <key>``).
    :param checkout_url: the simulated checkout address; ``{base}`` is this server, ``{id}`` the session id.
    :param minimum_amount: the smallest total accepted (Stripe's ≈ US$0.50 in đồng).
    """

    def __init__(self, api_key="sk_test_fake", checkout_url="{base}/checkout/{id}", minimum_amount=13_000):
        self.api_key = api_key
        self.checkout_url = checkout_url
        self.minimum_amount = minimum_amount
        self.now = _clock_now  #: the fake's clock (expiry checks); follows ``clock.now``, which tests replace
        self.sessions, self.line_items, self.payment_intents, self.refunds = {}, {}, {}, {}
        self.requests = []  #: every request received: {"method", "path", "params", "idempotency_key"}
        #: Set to a message to make every refund fail as Stripe does when it refuses one (400 ``invalid_request``).
        self.refund_failure = None
        self._idempotent = {}
        self._lock = threading.RLock()

    # -- WSGI ----------------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        """Answer one request (recorded in ``requests``)."""
        request = Request(environ)
        params = decode_form(request.form.items(multi=True)) if request.method == "POST" else {}
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path, "params": params,
                                  "idempotency_key": key})
            try:
                response = self._dispatch(request, params, key)
            except FakeStripeError as failure:
                response = self._json(failure.body, failure.status)
        return response(environ, start_response)

    def _dispatch(self, request, params, key):
        if request.path.startswith("/checkout/"):
            return self._checkout_page(request, request.path.removeprefix("/checkout/"))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            given = request.headers.get("Authorization", "").removeprefix("Bearer ")
            raise FakeStripeError(401, f"Invalid API Key provided: {given[:8]}****{given[-4:]}")
        fingerprint = (request.method, request.path, json.dumps(params, sort_keys=True))
        if key and (self.api_key, key) in self._idempotent:
            stored_fingerprint, body = self._idempotent[(self.api_key, key)]
            if stored_fingerprint != fingerprint:
                raise FakeStripeError(400, "Keys for idempotent requests can only be used with the same parameters "
                                    f"they were first used with. Try using a key other than '{key}' if you meant "
                                    "to execute a different request.", kind="idempotency_error")
            response = self._json(body)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        body = self._route(request, params)
        if key and request.method == "POST":
            self._idempotent[(self.api_key, key)] = (fingerprint, body)
        return self._json(body)

    def _route(self, request, params):
        method, path = request.method, request.path
        if (method, path) == ("POST", "/v1/checkout/sessions"):
            return self._create_session(params, request.host_url.rstrip("/"))
        if (method, path) == ("POST", "/v1/refunds"):
            return self._create_refund(params)
        if match := re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path):
            session = self._session(match.group(1))
            if method == "GET" and not match.group(2):
                return self._public(session)
            if method == "POST" and match.group(2):
                return self.expire(session["id"])
        raise FakeStripeError(404, f"Unrecognized request URL ({method}: {path}).")

    @staticmethod
    def _json(body, status=200):
        return Response(json.dumps(body), status=status, mimetype="application/json",
                        headers={"Request-Id": f"req_{secrets.token_hex(7)}"})

    # -- Checkout Sessions ---------------------------------------------------------------------------------------
    def _create_session(self, params, base):
        if params.get("mode") != "payment":
            raise FakeStripeError(400, "The fake supports only mode=payment.", "parameter_invalid_empty", "mode")
        items = params.get("line_items") or []
        if not items:
            raise FakeStripeError(400, "Missing required param: line_items.", "parameter_missing", "line_items")
        currency = params.get("currency") or items[0].get("price_data", {}).get("currency")
        lines = [self._line_item(item, n, currency) for n, item in enumerate(items)]
        total = sum(line["amount_total"] for line in lines)
        if total > MAXIMUM_AMOUNT:
            raise FakeStripeError(400, "The Checkout Session's total amount due must be no more than "
                                  f"₫{MAXIMUM_AMOUNT:,}.", "amount_too_large")
        if total < self.minimum_amount:
            raise FakeStripeError(400, "The Checkout Session's total amount due must add up to at least $0.50 usd.",
                                "amount_too_small")
        created = int(self.now())
        expires_at = _integer(params.get("expires_at", str(created + 86400)), "expires_at")
        if not created + 1800 <= expires_at <= created + 86400:
            raise FakeStripeError(400, "The `expires_at` timestamp must be at least 30 minutes and less than 24 hours "
                                "from Checkout Session creation.", "parameter_invalid_integer", "expires_at")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        self.line_items[session_id] = [dict(line, id=f"li_{secrets.token_hex(8)}") for line in lines]
        self.sessions[session_id] = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "livemode": False,
            "amount_subtotal": total, "amount_total": total, "currency": currency,
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "created": created, "expires_at": expires_at, "metadata": params.get("metadata", {}),
            "payment_intent": None, "payment_status": "unpaid", "status": "open",
            "url": self.checkout_url.format(base=base, id=session_id),
            "_payment_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
        }
        return self._public(self.sessions[session_id])

    @staticmethod
    def _line_item(item, n, currency):
        price = item.get("price_data") or {}
        if price.get("currency") != currency:
            raise FakeStripeError(400, "All line items must have the same currency.", "parameter_invalid_empty",
                                f"line_items[{n}][price_data][currency]")
        unit_amount = _integer(price.get("unit_amount"), f"line_items[{n}][price_data][unit_amount]")
        quantity = _integer(item.get("quantity"), f"line_items[{n}][quantity]", minimum=1)
        if unit_amount > MAXIMUM_AMOUNT:
            raise FakeStripeError(400, f"Invalid integer: {unit_amount}", "parameter_invalid_integer",
                                f"line_items[{n}][price_data][unit_amount]")
        return {"object": "item", "description": (price.get("product_data") or {}).get("name"), "quantity": quantity,
                "currency": currency, "amount_subtotal": unit_amount * quantity, "amount_total": unit_amount * quantity,
                "price": {"object": "price", "currency": currency, "unit_amount": unit_amount}}

    def _session(self, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            raise FakeStripeError(404, f"No such checkout.session: '{session_id}'", "resource_missing", "session")
        if session["status"] == "open" and self.now() >= session["expires_at"]:
            session.update(status="expired", url=None)
        return session

    @staticmethod
    def _public(session):
        return {key: copy.deepcopy(value) for key, value in session.items() if not key.startswith("_")}

    def expire(self, session_id):
        """Expire an open session (what ``POST .../expire`` does); returns the session."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise FakeStripeError(400, 'Only Checkout Sessions with a status in ["open"] can be expired. '
                                    f'This Checkout Session has a status of "{session["status"]}".',
                                    "checkout_session_not_open")
            session.update(status="expired", url=None)
            return self._public(session)

    def complete(self, session_id):
        """Mark an open session paid, as a customer paying on Stripe's page would; returns the session."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, not open")
            intent_id = f"pi_{secrets.token_hex(12)}"
            self.payment_intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": session["amount_total"], "amount_refunded": 0,
                "currency": session["currency"], "status": "succeeded",
                "metadata": copy.deepcopy(session["_payment_intent_metadata"])}
            session.update(status="complete", payment_status="paid", payment_intent=intent_id, url=None)
            return self._public(session)

    # -- Refunds -------------------------------------------------------------------------------------------------
    def _create_refund(self, params):
        if self.refund_failure:
            raise FakeStripeError(400, self.refund_failure, "refund_refused")
        intent = self.payment_intents.get(params.get("payment_intent"))
        if intent is None:
            raise FakeStripeError(400, f"No such payment_intent: '{params.get('payment_intent')}'", "resource_missing",
                                "payment_intent")
        remaining = intent["amount"] - intent["amount_refunded"]
        if remaining == 0:
            raise FakeStripeError(400, f"Charge for {intent['id']} has already been refunded.",
                                  "charge_already_refunded")
        amount = _integer(params["amount"], "amount", minimum=1) if "amount" in params else remaining
        if amount > remaining:
            raise FakeStripeError(400, f"Refund amount (₫{amount:,}) is greater than unrefunded amount on charge "
                                f"(₫{remaining:,})", "amount_too_large", "amount")
        intent["amount_refunded"] += amount
        refund_id = f"re_{secrets.token_hex(12)}"
        self.refunds[refund_id] = {"id": refund_id, "object": "refund", "amount": amount,
                                   "currency": intent["currency"], "payment_intent": intent["id"],
                                   "status": "succeeded", "reason": params.get("reason"),
                                   "metadata": params.get("metadata", {}), "created": int(self.now())}
        return copy.deepcopy(self.refunds[refund_id])

    # -- Simulated checkout page ---------------------------------------------------------------------------------
    def _checkout_page(self, request, session_id):
        session = self._session(session_id)
        if request.method == "POST" and session["status"] == "open":
            self.complete(session_id)
            target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            return Response(status=303, headers={"Location": target})
        cancel = escape((session["cancel_url"] or "").replace("{CHECKOUT_SESSION_ID}", session_id))
        body = (f"<!doctype html><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>"
                f"<p>{escape(str(session['metadata']))} — {session['amount_total']:,} ₫ — {session['status']}</p>"
                + ("<form method=post><button>Pay</button></form>" if session["status"] == "open" else "")
                + f"<p><a href=\"{cancel}\">Cancel</a></p>")
        return Response(body, mimetype="text/html")

    # -- Serving -------------------------------------------------------------------------------------------------
    @contextmanager
    def serve(self):
        """Serve on a free 127.0.0.1 port in a background thread; yields the base URL for ``STRIPE_API_BASE``."""
        server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-stripe",
                                  daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def _clock_now():
    return clock.now().timestamp()


class _QuietHandler(WSGIRequestHandler):
    def log(self, type, message, *args):  # noqa: A002 - the signature of the method overridden
        """Say nothing: tests would drown in access logs."""


def main():
    """Run the fake until interrupted (development)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--key", default="sk_test_fake")
    arguments = parser.parse_args()
    print(f"fake Stripe on http://127.0.0.1:{arguments.port} (key {arguments.key})")  # noqa: T201
    make_server("127.0.0.1", arguments.port, FakeStripe(arguments.key), threaded=True).serve_forever()


if __name__ == "__main__":
    main()
