"""The Stripe client against the fake Stripe over real HTTP: stripe-python 16 does the encoding, retries and errors."""

import json
import socket
import time
from datetime import date
from datetime import time as clock_time

import pytest
from werkzeug.test import Client

from marketplace.core import clock
from marketplace.payments import stripe_client
from tests.support.fake_stripe import FakeStripe, event, sign_payload

KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test_secret"
CHE = ("Chè Đinh Tân Cương", 150_000, 1)
MAM = ("Nước mắm Phú Quốc 40 độ đạm", 120_000, 2)


@pytest.fixture
def fake():
    return FakeStripe(api_key=KEY)


@pytest.fixture
def stripe_config(app, fake):
    """Point the app at the fake (served on a free port) for one test, then restore the settings."""
    saved = {name: app.config.get(name) for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    with fake.serve() as base:
        app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=base)
        yield app.config
        app.config.update(saved)


def create(lines=(CHE, MAM), key="checkout-OCOP-1-1", reference="OCOP-1"):
    return stripe_client.create_checkout_session(
        reference, list(lines), "https://ocop.example/checkout/success?session={CHECKOUT_SESSION_ID}",
        "https://ocop.example/checkout/cancel", "lan@example.vn", key)


def test_creation_sends_dong_as_given_with_reference_and_expiry(stripe_config, fake, frozen_clock):
    session, error = create()

    assert error is None
    assert session["id"].startswith("cs_test_") and session["object"] == "checkout.session"
    assert (session["currency"], session["amount_total"]) == ("vnd", 390_000)  # 150.000 ₫ + 2 × 120.000 ₫, not ×100
    assert session["metadata"] == {"order_reference": "OCOP-1"}
    assert (session["status"], session["payment_status"], session["url"]) == (
        "open", "unpaid", f"{stripe_config['STRIPE_API_BASE']}/checkout/{session['id']}")
    minutes_left = (session["expires_at"] - clock.now().timestamp()) / 60
    assert 30 <= minutes_left <= 31.5
    che, mam = fake.line_items[session["id"]]
    assert (che["description"], che["price"], che["quantity"]) == (
        "Chè Đinh Tân Cương", {"object": "price", "currency": "vnd", "unit_amount": 150_000}, 1)
    assert (mam["price"]["unit_amount"], mam["quantity"]) == (120_000, 2)
    sent = fake.requests[0]
    assert sent["idempotency_key"] == "checkout-OCOP-1-1"
    assert sent["params"]["line_items"][0]["price_data"]["unit_amount"] == "150000"
    assert sent["params"]["payment_intent_data"]["metadata"] == {"order_reference": "OCOP-1"}


def test_retry_with_the_same_key_returns_the_same_session(stripe_config, fake, frozen_clock):
    first, _ = create()
    again, error = create()

    assert error is None and again["id"] == first["id"]
    assert len(fake.sessions) == 1 and len(fake.requests) == 2

    other, error = create(lines=[CHE])  # same key, other parameters: Stripe's idempotency error, as a message
    assert other is None and "idempotency" in error.lower()


@pytest.mark.parametrize(("lines", "words"), [
    ([("Bình gốm men lam", 50_000_000, 2)], "above"),
    ([("Kẹo dừa", 12_999, 1)], "below"),
    ([("Chè", 150_000.0, 1)], "invalid amount"),
    ([("Chè", 0, 1)], "invalid amount"),
    ([("Chè", -150_000, 1)], "invalid amount"),
    ([("Chè", True, 1)], "invalid amount"),
    ([("Chè", 150_000, 0)], "invalid amount"),
    ([], "nothing to pay"),
])
def test_impossible_amounts_are_refused_before_any_request(stripe_config, fake, lines, words):
    session, error = create(lines=lines)

    assert session is None and words in error.lower()
    assert fake.requests == []


@pytest.mark.parametrize("amount", [stripe_client.MAXIMUM_VND, stripe_client.MINIMUM_VND])
def test_the_limits_themselves_are_accepted(stripe_config, fake, frozen_clock, amount):
    session, error = create(lines=[("Bình gốm", amount, 1)])

    assert error is None and session["amount_total"] == amount


def test_stripe_refusing_an_amount_comes_back_as_a_message(stripe_config, fake, monkeypatch, frozen_clock):
    monkeypatch.setattr(stripe_client, "MAXIMUM_VND", 10**12)  # skip our check: the fake answers like Stripe

    session, error = create(lines=[("Bình gốm", 50_000_000, 2)])

    assert session is None and "no more than ₫99,999,999" in error
    assert len(fake.requests) == 1 and fake.sessions == {}


def test_retrieve_and_expire(stripe_config, fake, frozen_clock):
    session, _ = create()

    retrieved, error = stripe_client.retrieve_checkout_session(session["id"])
    assert error is None and retrieved == session

    expired, error = stripe_client.expire_checkout_session(session["id"])
    assert error is None and (expired["status"], expired["url"]) == ("expired", None)
    assert stripe_client.retrieve_checkout_session(session["id"])[0]["status"] == "expired"

    again, error = stripe_client.expire_checkout_session(session["id"])
    assert again is None and "open" in error

    missing, error = stripe_client.retrieve_checkout_session("cs_test_nope")
    assert missing is None and "No such checkout.session" in error


def test_an_unpaid_session_expires_after_thirty_minutes(stripe_config, fake, frozen_clock):
    session, _ = create()

    frozen_clock.set(date(2026, 11, 23), at=clock_time(12, 29))
    assert stripe_client.retrieve_checkout_session(session["id"])[0]["status"] == "open"
    frozen_clock.set(date(2026, 11, 23), at=clock_time(12, 32))
    assert stripe_client.retrieve_checkout_session(session["id"])[0]["status"] == "expired"


def test_paid_session_and_refunds(stripe_config, fake, frozen_clock):
    session, _ = create()
    fake.complete(session["id"])

    paid, error = stripe_client.retrieve_checkout_session(session["id"])
    assert error is None and (paid["status"], paid["payment_status"]) == ("complete", "paid")
    intent = paid["payment_intent"]
    assert intent.startswith("pi_") and fake.payment_intents[intent]["metadata"] == {"order_reference": "OCOP-1"}

    one_vendor, error = stripe_client.refund(intent, 150_000, idempotency_key="refund-OCOP-1-V1")
    assert error is None and (one_vendor["amount"], one_vendor["currency"]) == (150_000, "vnd")
    retried, _ = stripe_client.refund(intent, 150_000, idempotency_key="refund-OCOP-1-V1")
    assert retried["id"] == one_vendor["id"] and len(fake.refunds) == 1

    rest, error = stripe_client.refund(intent, idempotency_key="refund-OCOP-1-rest")
    assert error is None and rest["amount"] == 240_000
    assert fake.payment_intents[intent]["amount_refunded"] == 390_000

    nothing_left, error = stripe_client.refund(intent, 1_000, idempotency_key="refund-OCOP-1-more")
    assert nothing_left is None and "already been refunded" in error


@pytest.mark.parametrize("amount", [0, -5, 1.5, 100_000_000])
def test_impossible_refunds_are_refused_before_any_request(stripe_config, fake, amount):
    result, error = stripe_client.refund("pi_x", amount, idempotency_key="k")
    assert result is None and "invalid refund amount" in error.lower()
    assert fake.requests == []


def test_wrong_api_key_gives_a_message_not_an_exception(stripe_config, fake):
    stripe_config["STRIPE_SECRET_KEY"] = "sk_test_wrong"

    session, error = create()

    assert session is None and error == "Stripe rejected the API key."
    assert len(fake.requests) == 1 and fake.sessions == {}


def test_not_configured_makes_no_request(stripe_config, fake):
    stripe_config["STRIPE_SECRET_KEY"] = None

    assert not stripe_client.is_configured()
    assert create() == (None, "Stripe is not configured (STRIPE_SECRET_KEY is empty).")
    assert fake.requests == []


def test_unreachable_stripe_gives_a_message(stripe_config, monkeypatch):
    monkeypatch.setattr(stripe_client, "MAX_NETWORK_RETRIES", 0)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        stripe_config["STRIPE_API_BASE"] = f"http://127.0.0.1:{probe.getsockname()[1]}"

    assert stripe_client.retrieve_checkout_session("cs_test_x") == (
        None, "Stripe could not be reached; try again shortly.")


def completed_event_body():
    session = {"id": "cs_test_1", "object": "checkout.session", "metadata": {"order_reference": "OCOP-1"},
               "amount_total": 390_000, "currency": "vnd", "payment_status": "paid", "status": "complete"}
    return json.dumps(event("checkout.session.completed", session, id="evt_test_1")).encode()


def test_construct_event_accepts_a_payload_signed_as_stripe_signs(app):
    body = completed_event_body()

    parsed, error = stripe_client.construct_event(body, sign_payload(body, WEBHOOK_SECRET), WEBHOOK_SECRET)

    assert error is None
    assert isinstance(parsed, dict) and (parsed["id"], parsed["type"]) == ("evt_test_1", "checkout.session.completed")
    assert parsed["data"]["object"]["metadata"] == {"order_reference": "OCOP-1"}


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "no header", "empty header", "garbled header"])
def test_construct_event_refuses_what_stripe_did_not_sign(app, case):
    body = completed_event_body()
    header = {
        "tampered": sign_payload(body, WEBHOOK_SECRET),
        "wrong secret": sign_payload(body, "whsec_someone_else"),
        "stale": sign_payload(body, WEBHOOK_SECRET, timestamp=time.time() - 301),
        "no header": None,
        "empty header": "",
        "garbled header": "v1=abc",
    }[case]
    if case == "tampered":
        body = body.replace(b"390000", b"3900")

    parsed, error = stripe_client.construct_event(body, header, WEBHOOK_SECRET, tolerance=300)

    assert parsed is None and error.startswith("Invalid Stripe signature")


def test_construct_event_refuses_a_signed_body_that_is_not_json(app):
    body = b"not json"

    parsed, error = stripe_client.construct_event(body, sign_payload(body, WEBHOOK_SECRET), WEBHOOK_SECRET)

    assert parsed is None and error.startswith("Invalid webhook payload")


def test_simulated_checkout_page_completes_and_returns_to_the_shop(stripe_config, fake, frozen_clock):
    session, _ = create()
    page = Client(fake)

    assert b"<button>Pay</button>" in page.get(f"/checkout/{session['id']}").data
    response = page.post(f"/checkout/{session['id']}")

    assert response.status_code == 303
    assert response.headers["Location"] == f"https://ocop.example/checkout/success?session={session['id']}"
    assert fake.sessions[session["id"]]["payment_status"] == "paid"
