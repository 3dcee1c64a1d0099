"""A fake of MoMo's payment gateway (API v2, ``captureWallet``) that speaks its HTTP protocol and signature scheme.

It is the labelled simulation of development (mounted in the app) and the fake the tests serve on a loopback port.
It answers what ``momo_client`` uses, as MoMo's developer documentation (developers.momo.vn, "One-Time Payments",
"Query", "Refund", "Digital Signature") describes it; every signature is HMAC-SHA256 in hexadecimal over
``key=value`` pairs in MoMo's fixed order, the partner's access key included:

- ``POST /v2/gateway/api/create``: checks the signature over ``accessKey amount extraData ipnUrl orderId orderInfo
  partnerCode redirectUrl requestId requestType``, the amount (1.000–50.000.000 ₫), repeated ``requestId`` (the same
  answer) and ``orderId`` (41); answers ``payUrl`` (a page labelled SIMULATION), ``deeplink`` and ``qrCodeUrl``.
- ``GET``/``POST /pay/<orderId>``: the buyer pays or refuses; MoMo POSTs the signed result (JSON) to ``ipnUrl``, which
  must answer 204, and redirects the buyer to ``redirectUrl`` with the same fields in the query string.
- ``POST /v2/gateway/api/query`` (``accessKey orderId partnerCode requestId``) and ``POST /v2/gateway/api/refund``
  (``accessKey amount description orderId partnerCode requestId transId``).

The signing is written apart from the client's on purpose. Tests drive it directly like the VNPay fake:
``complete()``/``deny()``, ``hold_ipn``, ``down``, ``refund_failure``.
"""

import hashlib
import hmac
import itertools
import json
import re
import threading
from datetime import timedelta
from html import escape
from urllib.parse import quote, urlencode

import requests
from werkzeug.wrappers import Request, Response

from marketplace.core import clock

CREATE_FIELDS = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode", "redirectUrl",
                 "requestId", "requestType")
RESULT_FIELDS = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode",
                 "payType", "requestId", "responseTime", "resultCode", "transId")
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
REFUND_FIELDS = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")
ORDER_ID = re.compile(r"^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$")
MESSAGES = {0: "Thành công.", 1000: "Giao dịch đã được khởi tạo, chờ người dùng xác nhận thanh toán.",
            1005: "Giao dịch thất bại do url hoặc QR code đã hết hạn.",
            1006: "Giao dịch thất bại do người dùng đã từ chối xác nhận thanh toán."}


def momo_signature(fields, names, secret):
    """HMAC-SHA256 (hex) of ``name=value`` joined by ``&`` in ``names``' order (a missing value is empty)."""
    text = "&".join(f"{name}={'' if fields.get(name) is None else fields[name]}" for name in names)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def http_notify(method, url, payload):
    """Deliver a notification over HTTP as MoMo does (its IPN is a JSON POST); return (status, body)."""
    response = requests.request(method, url, json=payload, timeout=15)
    return response.status_code, response.text



def _clock_now():
    """Now, read through ``clock.now`` at each call."""
    return clock.now()


class FakeMomo:
    """The fake MoMo: a WSGI app holding payments in memory (state guarded by one lock).

    :param notify: ``notify(method, url, body)`` delivers an IPN and returns (status, body); HTTP by default.
    :param expiry_minutes: how long a ``payUrl`` can be paid.
    """

    def __init__(self, partner_code, access_key, secret, notify=http_notify, expiry_minutes=100):
        self.partner_code, self.access_key, self.secret = partner_code, access_key, secret
        self.notify, self.expiry = notify, timedelta(minutes=expiry_minutes)
        self.orders = {}  #: orderId → the payment as the fake keeps it
        self.requests = []  #: every request received: {"method", "path", "params"}
        self.ipn_answers = []  #: (body sent, (status, body) answered) for every IPN delivered
        self.held = []  #: IPNs kept back while ``hold_ipn``
        self.hold_ipn = False
        self.down = False
        self.refund_failure = None
        self.now = _clock_now  #: the fake's clock (follows ``clock.now``, which tests replace)
        self._numbers = itertools.count(3_100_000_001)
        self._answers = {}  #: requestId → the answer given (MoMo's idempotency)
        self._lock = threading.RLock()

    # -- WSGI ----------------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        """Answer one request (recorded in ``requests``)."""
        request = Request(environ)
        with self._lock:
            body = request.get_json(silent=True)
            self.requests.append({"method": request.method, "path": request.path,
                                  "params": body if body is not None else request.args.to_dict()})
            response = self._route(request, body)
        return response(environ, start_response)

    def _route(self, request, body):
        if self.down:
            return Response("Service Unavailable", status=503)
        path = request.path
        if request.method == "POST" and path.startswith("/v2/gateway/api/"):
            handler = {"create": self._create, "query": self._query, "refund": self._refund}.get(path.rsplit("/", 1)[1])
            if handler is None or not isinstance(body, dict):
                return self._json({"resultCode": 20, "message": "Bad format request."}, 400)
            return handler(body, request.host_url.rstrip("/") + request.script_root)
        if path.startswith("/pay/"):
            return self._pay_page(path.removeprefix("/pay/"), request.method, request.form.get("outcome"))
        return Response("Not Found", status=404)

    def _signed(self, body, names):
        given = str(body.get("signature", "")).lower()
        return hmac.compare_digest(given, momo_signature({**body, "accessKey": self.access_key}, names, self.secret))

    def _refusal(self, body, code, message):
        return self._json({"partnerCode": body.get("partnerCode"), "orderId": body.get("orderId"),
                           "requestId": body.get("requestId"), "resultCode": code, "message": message,
                           "responseTime": self._millis()})

    # -- Create --------------------------------------------------------------------------------------------------
    def _create(self, body, base):
        if body.get("requestId") in self._answers:
            return self._json(self._answers[body["requestId"]])
        problem = self._check_create(body)
        if problem:
            return self._refusal(body, *problem)
        order_id = body["orderId"]
        self.orders[order_id] = {
            "amount": body["amount"], "info": body.get("orderInfo", ""), "extra": body.get("extraData", ""),
            "redirect_url": body.get("redirectUrl", ""), "ipn_url": body.get("ipnUrl", ""),
            "request_id": body["requestId"], "status": "open", "code": 1000, "trans_id": 0, "refunded": 0,
            "refunds": [], "expires": self.now() + self.expiry}
        pay_url = f"{base}/pay/{quote(order_id)}"
        answer = {"partnerCode": self.partner_code, "requestId": body["requestId"], "orderId": order_id,
                  "amount": body["amount"], "responseTime": self._millis(), "message": MESSAGES[0], "resultCode": 0,
                  "payUrl": pay_url, "deeplink": f"momo://app?action=payWithApp&orderId={quote(order_id)}",
                  "qrCodeUrl": f"momo://app?action=payWithApp&orderId={quote(order_id)}"}
        self._answers[body["requestId"]] = answer
        return self._json(answer)

    def _check_create(self, body):
        """(resultCode, message) MoMo would refuse this creation with, or None."""
        if not self._signed(body, CREATE_FIELDS):
            return 13, "Chữ ký không hợp lệ (invalid signature)."
        if body.get("partnerCode") != self.partner_code:
            return 13, "Xác thực doanh nghiệp thất bại (unknown partner)."
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1_000 <= amount <= 50_000_000:
            return 22, "Số tiền giao dịch không hợp lệ (amount out of range)."
        if body.get("requestType") != "captureWallet" or not ORDER_ID.match(str(body.get("orderId", ""))):
            return 20, "Yêu cầu sai định dạng (bad format request)."
        if body["orderId"] in self.orders:
            return 41, "Trùng orderId (duplicate orderId)."
        return None

    # -- The payment page ----------------------------------------------------------------------------------------
    def _pay_page(self, order_id, method, outcome):
        order = self.orders.get(order_id)
        if order is None:
            return self._page("<p class=error>Không tìm thấy giao dịch — no such payment.</p>", 404)
        if order["status"] == "open" and self.now() > order["expires"]:
            order.update(status="expired", code=1005)
        if order["status"] != "open":
            return self._page(f"<p class=error>{escape(MESSAGES.get(order['code'], 'Đã xử lý — already done.'))}</p>")
        if method == "POST":
            params = self.complete(order_id) if outcome == "pay" else self.deny(order_id)
            self.send_ipn(order_id)
            separator = "&" if "?" in order["redirect_url"] else "?"
            return Response(status=302, headers={"Location": order["redirect_url"] + separator + urlencode(params)})
        return self._page(
            f"<p>{escape(order['info'])}</p><p><strong>{order['amount']:,} VND</strong></p>"
            f"<p>QR: <code>momo://app?action=payWithApp&amp;orderId={escape(order_id)}</code></p>"
            "<form method=post><button name=outcome value=pay>Xác nhận thanh toán (simulated) — Pay</button> "
            "<button name=outcome value=deny>Hủy — Refuse</button></form>")

    @staticmethod
    def _page(body, status=200):
        html = ("<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
                "<title>MoMo — SIMULATION</title><h1>MoMo (SIMULATION)</h1>"
                "<p><strong>SIMULATION — no money moves. Mô phỏng — không có tiền thật.</strong></p>" + body)
        return Response(html, status=status, mimetype="text/html")

    # -- What the buyer does, and what MoMo says about it ----------------------------------------------------------
    def complete(self, order_id):
        """The buyer confirmed in the MoMo app: the payment succeeds; returns the signed result."""
        with self._lock:
            self.orders[order_id].update(status="paid", code=0, trans_id=next(self._numbers))
            return self.result(order_id)

    def deny(self, order_id, code=1006):
        """The buyer refused (``1006``) or the payment failed; returns the signed result."""
        with self._lock:
            self.orders[order_id].update(status="failed", code=code)
            return self.result(order_id)

    def result(self, order_id, secret=None):
        """The signed fields MoMo POSTs to ``ipnUrl`` and puts in the redirect for ``order_id``."""
        order = self.orders[order_id]
        fields = {"partnerCode": self.partner_code, "orderId": order_id, "requestId": order["request_id"],
                  "amount": order["amount"], "orderInfo": order["info"], "orderType": "momo_wallet",
                  "transId": order["trans_id"], "resultCode": order["code"],
                  "message": MESSAGES.get(order["code"], "Giao dịch thất bại."), "payType": "qr",
                  "responseTime": self._millis(), "extraData": order["extra"]}
        fields["signature"] = momo_signature({**fields, "accessKey": self.access_key}, RESULT_FIELDS,
                                             secret or self.secret)
        return fields

    def send_ipn(self, order_id, body=None):
        """POST the result of ``order_id`` to its ``ipnUrl`` (kept back while ``hold_ipn``); returns the answer."""
        body = body or self.result(order_id)
        if self.hold_ipn:
            self.held.append(body)
            return None
        answer = self.notify("POST", self.orders[order_id]["ipn_url"], body)
        self.ipn_answers.append((body, answer))
        return answer

    def _millis(self):
        return int(self.now().timestamp() * 1000)

    # -- Query and refund ----------------------------------------------------------------------------------------
    def _query(self, body, _base):
        if not self._signed(body, QUERY_FIELDS) or body.get("partnerCode") != self.partner_code:
            return self._refusal(body, 13, "Chữ ký không hợp lệ (invalid signature).")
        order = self.orders.get(body.get("orderId"))
        if order is None:
            return self._refusal(body, 42, "orderId không tồn tại (no such orderId).")
        if order["status"] == "open" and self.now() > order["expires"]:
            order.update(status="expired", code=1005)
        return self._json({"partnerCode": self.partner_code, "requestId": body["requestId"],
                           "orderId": body["orderId"], "extraData": order["extra"], "amount": order["amount"],
                           "transId": order["trans_id"], "payType": "qr", "resultCode": order["code"],
                           "refundTrans": order["refunds"], "message": MESSAGES.get(order["code"], "Thất bại."),
                           "responseTime": self._millis(), "lastUpdated": self._millis()})

    def _refund(self, body, _base):
        if body.get("requestId") in self._answers:
            return self._json(self._answers[body["requestId"]])
        if not self._signed(body, REFUND_FIELDS) or body.get("partnerCode") != self.partner_code:
            return self._refusal(body, 13, "Chữ ký không hợp lệ (invalid signature).")
        order = next((o for o in self.orders.values() if o["trans_id"] and o["trans_id"] == body.get("transId")), None)
        amount = body.get("amount")
        if order is None or order["status"] != "paid":
            return self._refusal(body, 42, "transId không tồn tại hoặc chưa thanh toán (no such paid transId).")
        if self.refund_failure:
            return self._refusal(body, 1080, self.refund_failure)
        if any(refund["orderId"] == body.get("orderId") for o in self.orders.values() for refund in o["refunds"]):
            return self._refusal(body, 41, "Trùng orderId (duplicate orderId).")
        if not isinstance(amount, int) or not 0 < amount <= order["amount"] - order["refunded"]:
            return self._refusal(body, 1081, "Số tiền hoàn vượt quá số tiền còn lại (refund above what remains).")
        refund_id = next(self._numbers)
        order["refunded"] += amount
        order["refunds"].append({"orderId": body["orderId"], "amount": amount, "transId": refund_id,
                                 "resultCode": 0, "createdTime": self._millis()})
        answer = {"partnerCode": self.partner_code, "orderId": body["orderId"], "requestId": body["requestId"],
                  "amount": amount, "transId": refund_id, "resultCode": 0, "message": MESSAGES[0],
                  "responseTime": self._millis()}
        self._answers[body["requestId"]] = answer
        return self._json(answer)

    @staticmethod
    def _json(body, status=200):
        return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
