"""The only module that speaks MoMo's protocol (payment gateway API v2, ``captureWallet``): signing and calls.

Following MoMo's developer documentation (developers.momo.vn/v3, "One-Time Payments", "Payment Notification",
"Query Transaction", "Refund", "Digital Signature"): every request and notification carries ``signature`` =
HMAC-SHA256, keyed with ``MOMO_SECRET_KEY``, in hexadecimal, over a fixed string of ``key=value`` pairs joined by
``&`` in alphabetical order of the keys, the access key (``MOMO_ACCESS_KEY``) included although it is not sent:

- create: ``accessKey amount extraData ipnUrl orderId orderInfo partnerCode redirectUrl requestId requestType``
- notification (IPN, and the redirect's query string): ``accessKey amount extraData message orderId orderInfo
  orderType partnerCode payType requestId responseTime resultCode transId``
- query: ``accessKey orderId partnerCode requestId``; refund: ``accessKey amount description orderId partnerCode
  requestId transId``

Values are written as they are (not URL-encoded). Amounts are whole đồng, sent as they are (never multiplied).
Calls return ``(result, error)`` like ``stripe_client``. In development without keys the settings point at the
labelled simulation mounted in the app (``payments/simulation``).
"""

import hashlib
import hmac
import logging
from collections import namedtuple

import requests
from flask import current_app

from marketplace.payments import simulation

log = logging.getLogger(__name__)

#: The settings that make MoMo available (contract §6); all four, or the method is off.
SETTING_NAMES = ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY", "MOMO_API_URL")
CREATE_FIELDS = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode", "redirectUrl",
                 "requestId", "requestType")
NOTIFICATION_FIELDS = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
                       "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId")
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
REFUND_FIELDS = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")
#: MoMo takes 1.000 ₫ to 50.000.000 ₫ in one wallet payment.
MINIMUM_VND, MAXIMUM_VND = 1_000, 50_000_000
#: MoMo asks for at least 30 seconds before giving up on its answer; 5 seconds to connect.
TIMEOUT = (5, 30)
#: ``resultCode``: paid (0, or 9000 authorised), and still waiting for the buyer or being processed.
PAID_CODES, WAITING_CODES = (0, 9000), (1000, 7000, 7002)
#: ``resultCode`` 1005: the payment link or QR code expired unpaid; 42: MoMo knows no such order.
EXPIRED_CODE, UNKNOWN_CODE = 1005, 42

Settings = namedtuple("Settings", "partner_code access_key secret api_url simulated")


def settings():
    """MoMo's settings: the configured ones, the labelled simulation's in development without keys, else None."""
    config = current_app.config
    values = [config.get(name) for name in SETTING_NAMES]
    if all(values):
        return Settings(*values[:3], values[3].rstrip("/"), simulated=False)
    if not simulation.active("momo", SETTING_NAMES):
        return None
    return Settings(*simulation.credentials("momo"), simulation.base_url("momo"), simulated=True)


def is_available():
    """True when MoMo can be offered (configured, or simulated in development)."""
    return settings() is not None


def signature(fields, names, secret):
    """MoMo's signature: HMAC-SHA256 (hex) of ``name=value`` pairs in ``names``' order joined by ``&``."""
    text = "&".join(f"{name}={'' if fields.get(name) is None else fields[name]}" for name in names)
    return hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def check_amount(amount_vnd):
    """Why MoMo would refuse ``amount_vnd``, or None."""
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool):
        return f"Invalid amount {amount_vnd!r}: a whole number of đồng."
    if not MINIMUM_VND <= amount_vnd <= MAXIMUM_VND:
        return f"MoMo accepts {MINIMUM_VND:,} ₫ to {MAXIMUM_VND:,} ₫ in one payment, not {amount_vnd:,} ₫."
    return None


def create_payment(order_id, amount_vnd, order_info, redirect_url, ipn_url, request_id, lang="vi"):
    """Create a wallet payment of ``amount_vnd`` đồng: ``(answer with payUrl, deeplink, qrCodeUrl, None)`` or error.

    :param order_id: MoMo's ``orderId``, unique per payment (the order's reference).
    :param request_id: MoMo's idempotency key: the same one returns the same answer.
    """
    config = settings()
    problem = "MoMo is not configured (MOMO_* settings)." if config is None else check_amount(amount_vnd)
    if problem:
        return None, problem
    body = {"partnerCode": config.partner_code, "requestId": request_id, "amount": amount_vnd, "orderId": order_id,
            "orderInfo": order_info, "redirectUrl": redirect_url, "ipnUrl": ipn_url, "requestType": "captureWallet",
            "extraData": "", "lang": lang}
    return _call(config, "create", body, CREATE_FIELDS, accepted=(0,))


def verify_notification(fields):
    """Check a notification's signature (IPN body, or the redirect's query): ``(fields, None)`` or an error."""
    config = settings()
    if config is None:
        return None, "MoMo is not configured."
    if not isinstance(fields, dict):
        return None, "A MoMo notification is a JSON object."
    fields = {name: fields.get(name) for name in (*NOTIFICATION_FIELDS[1:], "signature")}
    expected = signature({**fields, "accessKey": config.access_key}, NOTIFICATION_FIELDS, config.secret)
    if not hmac.compare_digest(str(fields.get("signature") or "").lower().encode(), expected.encode()):
        return None, "Invalid MoMo signature."
    if fields.get("partnerCode") != config.partner_code:
        return None, "The MoMo notification is for another partner."
    return fields, None


def query_payment(order_id, request_id, lang="vi"):
    """Ask MoMo how the payment ``order_id`` stands: ``(answer, None)`` (``resultCode``, ``amount``, ``transId``)."""
    config = settings()
    if config is None:
        return None, "MoMo is not configured."
    body = {"partnerCode": config.partner_code, "requestId": request_id, "orderId": order_id, "lang": lang}
    return _call(config, "query", body, QUERY_FIELDS, accepted=None)


def refund(refund_id, amount_vnd, trans_id, request_id, description, lang="vi"):
    """Ask MoMo to refund ``amount_vnd`` đồng of the payment ``trans_id``: ``(answer, None)`` or an error.

    :param refund_id: the refund's own ``orderId`` at MoMo (unique); ``request_id``: its idempotency key.
    """
    config = settings()
    if config is None:
        return None, "MoMo is not configured."
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool) or not 0 < amount_vnd <= MAXIMUM_VND:
        return None, f"Invalid refund amount {amount_vnd!r}: a whole number of đồng from 1 to {MAXIMUM_VND:,}."
    body = {"partnerCode": config.partner_code, "orderId": refund_id, "requestId": request_id, "amount": amount_vnd,
            "transId": int(trans_id or 0), "lang": lang, "description": description}
    return _call(config, "refund", body, REFUND_FIELDS, accepted=(0,))


def _call(config, action, body, names, accepted):
    """POST one signed request to ``/v2/gateway/api/<action>``; ``accepted`` result codes (None: any) succeed."""
    body["signature"] = signature({**body, "accessKey": config.access_key}, names, config.secret)
    try:
        response = simulation.http(config.simulated).post(f"{config.api_url}/v2/gateway/api/{action}", json=body,
                                                          timeout=TIMEOUT)
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("momo %s failed: %s", action, error)
        return None, "MoMo could not be reached; try again shortly."
    if not isinstance(answer, dict) or not isinstance(answer.get("resultCode"), int):
        return None, f"MoMo answered something unreadable (HTTP {response.status_code})."
    if accepted is not None and answer["resultCode"] not in accepted:
        return None, f"MoMo refused the {action}: {answer.get('message') or 'no message'} ({answer['resultCode']})."
    return answer, None
