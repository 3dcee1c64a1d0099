"""The only module that speaks VNPay's protocol (merchant integration, ``vnp_Version`` 2.1.0): signing, URLs, calls.

Following VNPay's published merchant documentation (sandbox.vnpayment.vn/apis/docs, "Thanh toán PAY", "Truy vấn
và hoàn tiền"):

- The payment page is a redirect to ``VNPAY_PAYMENT_URL`` with the ``vnp_*`` fields in the query string and
  ``vnp_SecureHash`` = HMAC-SHA512, keyed with ``VNPAY_HASH_SECRET``, over those fields sorted by name and written
  ``key=value`` joined by ``&``, keys and values encoded as PHP's ``urlencode`` (VNPay's reference code) encodes
  them: every byte but ``A-Z a-z 0-9 - _ .`` as ``%XX``, a space as ``+``. The return URL and the IPN carry their
  fields signed the same way.
- The transaction API (``VNPAY_API_URL``: ``querydr``, ``refund``) takes and answers JSON whose hash is over the
  fields VNPay lists, in its order, joined by ``|``.

Money: ``vnp_Amount`` is đồng × 100 (two implied decimals, although VND has none): ``to_vnpay_amount`` is the one
place in the code where đồng are multiplied, ``from_vnpay_amount`` the way back.

Calls return ``(result, error)`` like ``stripe_client``: a dict, or a short English message for logs (VNPay's
refusals and network failures never reach callers as exceptions). In development without keys the settings point
at the labelled simulation mounted in the app (``payments/simulation``).
"""

import hashlib
import hmac
import logging
from collections import namedtuple
from urllib.parse import quote_plus

import requests
from flask import current_app

from marketplace.core import clock
from marketplace.payments import simulation

log = logging.getLogger(__name__)

VERSION = "2.1.0"
#: The settings that make VNPay available (contract §6); all four, or the method is off.
SETTING_NAMES = ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL", "VNPAY_API_URL")
#: VNPay accepts payments from 5.000 ₫ to under 1 billion ₫ (its documentation of ``vnp_Amount``).
MINIMUM_VND, MAXIMUM_VND = 5_000, 999_999_999
#: Seconds to wait for VNPay's transaction API: to connect, then for its answer (no automatic retry: a refund is
#: not idempotent at VNPay, and reconciliation asks again on its next run).
TIMEOUT = (5, 30)
#: The fields of the transaction API's hashes, in VNPay's order (``querydr`` and ``refund``, request and answer).
QUERY_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
                "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
REFUND_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
                 "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate",
                 "vnp_IpAddr", "vnp_OrderInfo")
ANSWER_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                 "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                 "vnp_TransactionStatus", "vnp_OrderInfo")
QUERY_ANSWER_FIELDS = (*ANSWER_FIELDS, "vnp_PromotionCode", "vnp_PromotionAmount")
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

Settings = namedtuple("Settings", "tmn_code secret payment_url api_url simulated")


def settings():
    """VNPay's settings: the configured ones, the labelled simulation's in development without keys, else None."""
    values = [current_app.config.get(name) for name in SETTING_NAMES]
    if all(values):
        return Settings(*values, simulated=False)
    if not simulation.active("vnpay", SETTING_NAMES):
        return None
    base = simulation.base_url("vnpay")
    return Settings(*simulation.credentials("vnpay"), base + simulation.VNPAY_PAY_PATH,
                    base + simulation.VNPAY_API_PATH, simulated=True)


def is_available():
    """True when VNPay can be offered (configured, or simulated in development)."""
    return settings() is not None


def to_vnpay_amount(amount_vnd):
    """``vnp_Amount`` for ``amount_vnd`` đồng: the ONLY place in the code where đồng are multiplied.

    VNPay's documentation of ``vnp_Amount`` (Thanh toán PAY, v2.1.0): "Để gửi số tiền thanh toán là 10,000 VND
    (mười nghìn VNĐ) thì merchant cần nhân thêm 100 lần (khử phần thập phân), sau đó gửi sang VNPAY là: 1000000."
    """
    return amount_vnd * 100


def from_vnpay_amount(value):
    """The đồng of a ``vnp_Amount`` VNPay sent, or None when it is not a whole number of đồng × 100."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or int(text) % 100:
        return None
    return int(text) // 100


def check_amount(amount_vnd):
    """Why VNPay would refuse ``amount_vnd``, or None."""
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool):
        return f"Invalid amount {amount_vnd!r}: a whole number of đồng."
    if not MINIMUM_VND <= amount_vnd <= MAXIMUM_VND:
        return f"VNPay accepts {MINIMUM_VND:,} ₫ to {MAXIMUM_VND:,} ₫ in one payment, not {amount_vnd:,} ₫."
    return None


def timestamp(moment):
    """VNPay's dates: ``yyyyMMddHHmmss`` in Vietnam (GMT+7); ``moment`` is an aware datetime."""
    return moment.astimezone(clock.TIMEZONE).strftime("%Y%m%d%H%M%S")


def encode(value):
    """A key or value as PHP's ``urlencode`` writes it (VNPay's reference code): what the hash is computed over."""
    return quote_plus(str(value), safe="").replace("~", "%7E")


def hash_data(fields):
    """The signed text of a redirect, return URL or IPN: the ``vnp_*`` fields but the hash, sorted, encoded."""
    pairs = sorted((key, value) for key, value in fields.items() if key.startswith("vnp_") and key not in HASH_FIELDS)
    return "&".join(f"{encode(key)}={encode(value)}" for key, value in pairs)


def sign(text, secret):
    """HMAC-SHA512 of ``text`` keyed with ``secret``, in lower-case hexadecimal."""
    return hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha512).hexdigest()


def payment_url(reference, amount_vnd, order_info, return_url, ip_address, created, expires, locale="vn"):
    """The signed address of VNPay's payment page for ``amount_vnd`` đồng: ``(url, None)`` or ``(None, error)``.

    :param reference: ``vnp_TxnRef``, unique per payment (the order's reference).
    :param order_info: ``vnp_OrderInfo``: Vietnamese without diacritics, as VNPay asks.
    :param created: ``vnp_CreateDate`` (kept: the query and refund APIs ask for it again); ``expires``: the last
        moment the buyer may pay (``vnp_ExpireDate``).
    """
    config = settings()
    problem = "VNPay is not configured (VNPAY_* settings)." if config is None else check_amount(amount_vnd)
    if problem:
        return None, problem
    fields = {"vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": config.tmn_code,
              "vnp_Amount": to_vnpay_amount(amount_vnd), "vnp_CurrCode": "VND", "vnp_TxnRef": reference,
              "vnp_OrderInfo": order_info, "vnp_OrderType": "other", "vnp_Locale": locale,
              "vnp_ReturnUrl": return_url, "vnp_IpAddr": ip_address, "vnp_CreateDate": timestamp(created),
              "vnp_ExpireDate": timestamp(expires)}
    query = hash_data(fields)
    return f"{config.payment_url}?{query}&vnp_SecureHash={sign(query, config.secret)}", None


def verify(params):
    """Check the signature of a return URL or an IPN: ``(its vnp_* fields, None)`` or ``(None, error)``.

    :param params: the query string's fields (a dict, or a MultiDict whose first values are taken).
    """
    config = settings()
    if config is None:
        return None, "VNPay is not configured."
    fields = {key: params.get(key) for key in params if str(key).startswith("vnp_")}
    given = str(fields.get("vnp_SecureHash") or "").lower()
    if not hmac.compare_digest(given.encode(), sign(hash_data(fields), config.secret).encode()):
        return None, "Invalid VNPay signature."
    if fields.get("vnp_TmnCode") != config.tmn_code:
        return None, "The VNPay message is for another terminal."
    return {key: value for key, value in fields.items() if key not in HASH_FIELDS}, None


def query_transaction(reference, created_date, order_info, request_id, ip_address="127.0.0.1"):
    """Ask VNPay how the payment ``reference`` stands (``querydr``); the answer's signature is checked.

    :param created_date: the ``vnp_CreateDate`` of the payment request (VNPay's ``vnp_TransactionDate``).
    :returns: ``(answer, None)``: ``vnp_ResponseCode`` "00" with ``vnp_TransactionStatus`` ("00" paid, "01" not
        finished, "02" failed…) and ``vnp_Amount``, or "91" when VNPay knows no such payment; else ``(None, error)``.
    """
    config = settings()
    if config is None:
        return None, "VNPay is not configured."
    body = {"vnp_RequestId": request_id, "vnp_Version": VERSION, "vnp_Command": "querydr",
            "vnp_TmnCode": config.tmn_code, "vnp_TxnRef": reference, "vnp_OrderInfo": order_info,
            "vnp_TransactionDate": created_date, "vnp_CreateDate": timestamp(clock.now()),
            "vnp_IpAddr": ip_address}
    return _call(config, body, QUERY_FIELDS, QUERY_ANSWER_FIELDS, accepted=("00", "91"))


def refund(reference, amount_vnd, transaction_no, created_date, *, whole, request_id, created_by,
           ip_address="127.0.0.1"):
    """Ask VNPay to refund ``amount_vnd`` đồng of the payment ``reference``: ``(answer, None)`` or an error.

    :param whole: a full refund (``vnp_TransactionType`` "02") or a partial one ("03").
    :param request_id: ``vnp_RequestId`` (32 characters at most), unique per attempt: VNPay refuses a repeated one.
    """
    config = settings()
    if config is None:
        return None, "VNPay is not configured."
    if not isinstance(amount_vnd, int) or isinstance(amount_vnd, bool) or not 0 < amount_vnd <= MAXIMUM_VND:
        return None, f"Invalid refund amount {amount_vnd!r}: a whole number of đồng from 1 to {MAXIMUM_VND:,}."
    body = {"vnp_RequestId": request_id, "vnp_Version": VERSION, "vnp_Command": "refund",
            "vnp_TmnCode": config.tmn_code, "vnp_TransactionType": "02" if whole else "03",
            "vnp_TxnRef": reference, "vnp_Amount": to_vnpay_amount(amount_vnd),
            "vnp_TransactionNo": transaction_no or "0", "vnp_TransactionDate": created_date,
            "vnp_CreateBy": created_by, "vnp_CreateDate": timestamp(clock.now()), "vnp_IpAddr": ip_address,
            "vnp_OrderInfo": f"Hoan tien giao dich {reference}"}
    return _call(config, body, REFUND_FIELDS, ANSWER_FIELDS, accepted=("00",))


def _pipe_hash(fields, names, secret):
    """The transaction API's hash: ``names``' values in order, joined by ``|`` (a missing one is empty)."""
    return sign("|".join("" if fields.get(name) is None else str(fields[name]) for name in names), secret)


def _call(config, body, request_fields, answer_fields, accepted):
    """POST one signed request to the transaction API; check the answer's code and signature."""
    body["vnp_SecureHash"] = _pipe_hash(body, request_fields, config.secret)
    try:
        response = simulation.http(config.simulated).post(config.api_url, json=body, timeout=TIMEOUT)
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("vnpay %s failed: %s", body["vnp_Command"], error)
        return None, "VNPay could not be reached; try again shortly."
    if not isinstance(answer, dict):
        return None, f"VNPay answered something unreadable (HTTP {response.status_code})."
    code = str(answer.get("vnp_ResponseCode", ""))
    if code not in accepted:
        return None, f"VNPay refused the {body['vnp_Command']}: {answer.get('vnp_Message') or 'no message'} ({code})."
    expected = _pipe_hash(answer, answer_fields, config.secret)
    if code == "00" and not hmac.compare_digest(str(answer.get("vnp_SecureHash", "")).lower(), expected):
        return None, "VNPay's answer carries an invalid signature."
    return answer, None
