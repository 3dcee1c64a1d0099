"""A fake of VNPay's payment gateway (``vnp_Version`` 2.1.0) that speaks its HTTP protocol and signature scheme.

It is the labelled simulation of development (mounted in the app) and the fake the tests serve on a loopback port.
It answers what ``vnpay_client`` uses, as VNPay's merchant documentation describes it:

- ``GET /paymentv2/vpcpay.html?vnp_…&vnp_SecureHash=…``: the signature (HMAC-SHA512 over the sorted, URL-encoded
  fields), the terminal, the version, the currency, the amount (× 100) and the expiry are checked as VNPay does; a
  page labelled SIMULATION shows the payment with Pay and Cancel buttons.
- ``POST /paymentv2/choose``: the buyer's choice. VNPay then calls the merchant's IPN address (registered with VNPay,
  not sent in the request: ``ipn_url``) with the signed result, and redirects the buyer to ``vnp_ReturnUrl`` with it.
- ``POST /merchant_webapi/api/transaction``: ``querydr`` and ``refund``, JSON signed both ways over VNPay's field lists
  joined by ``|``.

The signing below is written apart from the client's on purpose, and checked on VNPay's published samples too.
Tests drive it directly: ``complete()``/``fail()`` stand for the buyer, ``hold_ipn`` keeps notifications back (to
deliver them late, twice, or never), ``down`` makes every endpoint answer 503, ``refund_failure`` refuses refunds.
"""

import hashlib
import hmac
import itertools
import json
import secrets
import threading
from html import escape
from urllib.parse import urlencode

import requests
from werkzeug.wrappers import Request, Response

from marketplace.core import clock

PAY_PATH = "/paymentv2/vpcpay.html"
CHOOSE_PATH = "/paymentv2/choose"
API_PATH = "/merchant_webapi/api/transaction"
REQUEST_HASH = {
    "querydr": ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
                "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo"),
    "refund": ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
               "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate",
               "vnp_IpAddr", "vnp_OrderInfo"),
}
ANSWER_HASH = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
               "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
               "vnp_TransactionStatus", "vnp_OrderInfo")
QUERY_ANSWER_HASH = (*ANSWER_HASH, "vnp_PromotionCode", "vnp_PromotionAmount")
#: ``vnp_TransactionStatus`` of a payment in each of the fake's states.
TRANSACTION_STATUS = {"open": "01", "paid": "00", "failed": "02"}
SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def php_urlencode(text):
    """PHP's ``urlencode``: bytes outside ``A-Z a-z 0-9 - _ .`` as ``%XX``, a space as ``+`` (UTF-8)."""
    return "".join(chr(byte) if byte in SAFE else "+" if byte == 0x20 else f"%{byte:02X}"
                   for byte in str(text).encode("utf-8"))


def secure_hash(fields, secret):
    """``vnp_SecureHash`` of a redirect, return or IPN: HMAC-SHA512 of the sorted ``key=value`` pairs."""
    text = "&".join(f"{php_urlencode(key)}={php_urlencode(fields[key])}" for key in sorted(fields)
                    if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType"))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def pipe_hash(fields, names, secret):
    """The transaction API's hash: the values of ``names`` joined by ``|``, HMAC-SHA512."""
    text = "|".join("" if fields.get(name) is None else str(fields[name]) for name in names)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def http_notify(method, url, payload):
    """Deliver a notification over HTTP as VNPay does (its IPN is a GET); return (status, body)."""
    response = requests.request(method, url, params=payload, timeout=10)
    return response.status_code, response.text



def _clock_now():
    """Now, read through ``clock.now`` at each call."""
    return clock.now()


class FakeVnpay:
    """The fake VNPay: a WSGI app holding payments in memory (state guarded by one lock).

    :param ipn_url: the merchant's IPN address (VNPay keeps it from the merchant's registration).
    :param notify: ``notify(method, url, params)`` delivers an IPN and returns (status, body); HTTP by default.
    """

    def __init__(self, tmn_code, secret, ipn_url=None, notify=http_notify):
        self.tmn_code, self.secret, self.ipn_url, self.notify = tmn_code, secret, ipn_url, notify
        self.transactions = {}  #: vnp_TxnRef → the payment as the fake keeps it
        self.requests = []  #: every request received: {"method", "path", "params"}
        self.ipn_answers = []  #: (params sent, (status, body) answered) for every IPN delivered
        self.held = []  #: IPNs kept back while ``hold_ipn``
        self.hold_ipn = False
        self.down = False  #: every endpoint answers 503 (the gateway is down)
        self.refund_failure = None  #: a message: every refund is refused with it
        self.now = _clock_now  #: the fake's clock (follows ``clock.now``, which tests replace)
        self._numbers = itertools.count(14_000_001)
        self._request_ids = set()
        self._lock = threading.RLock()

    # -- WSGI ----------------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        """Answer one request (recorded in ``requests``)."""
        request = Request(environ)
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path,
                                  "params": request.args.to_dict() or request.get_json(silent=True)})
            response = self._route(request)
        return response(environ, start_response)

    def _route(self, request):
        if self.down:
            return Response("Service Unavailable", status=503)
        if (request.method, request.path) == ("GET", PAY_PATH):
            return self._pay_page(request.args.to_dict())
        if (request.method, request.path) == ("POST", CHOOSE_PATH):
            return self._choose(request.form.get("vnp_TxnRef", ""), request.form.get("outcome"))
        if (request.method, request.path) == ("POST", API_PATH):
            return self._api(request.get_json(silent=True))
        return Response("Not Found", status=404)

    # -- The payment page ----------------------------------------------------------------------------------------
    def _pay_page(self, fields):
        problem = self._check_payment(fields)
        if problem:
            return self._page(f"<p class=error>{escape(problem)}</p>", status=200)
        reference = fields["vnp_TxnRef"]
        payment = self.transactions.setdefault(reference, {
            "amount": int(fields["vnp_Amount"]), "info": fields.get("vnp_OrderInfo", ""),
            "return_url": fields.get("vnp_ReturnUrl", ""), "created": fields["vnp_CreateDate"],
            "expires": fields.get("vnp_ExpireDate"), "status": "open", "refunded": 0, "refunds": []})
        if payment["status"] != "open":
            return self._page("<p class=error>Giao dịch đã tồn tại (01) — transaction already exists.</p>")
        return self._page(
            f"<p>{escape(payment['info'])}</p><p><strong>{payment['amount'] // 100:,} VND</strong></p>"
            "<form method=post action=choose>"  # CHOOSE_PATH, relative: the fake may be mounted under a prefix
            f"<input type=hidden name=vnp_TxnRef value=\"{escape(reference)}\">"
            "<button name=outcome value=pay>Thanh toán (NCB, simulated) — Pay</button> "
            "<button name=outcome value=cancel>Hủy giao dịch — Cancel</button></form>")

    def _check_payment(self, fields):
        """Why VNPay would refuse this payment request, or None."""
        if not hmac.compare_digest(str(fields.get("vnp_SecureHash", "")).lower(), secure_hash(fields, self.secret)):
            return "Sai chữ ký (70) — invalid signature."
        if fields.get("vnp_TmnCode") != self.tmn_code:
            return "Website này chưa được phê duyệt (02) — unknown terminal."
        kind = (fields.get("vnp_Version"), fields.get("vnp_Command"), fields.get("vnp_CurrCode"))
        if kind != ("2.1.0", "pay", "VND"):
            return "Dữ liệu gửi sang không đúng định dạng (03) — bad version, command or currency."
        amount = str(fields.get("vnp_Amount", ""))
        if not amount.isdigit() or not 500_000 <= int(amount) < 100_000_000_000:  # 5.000 ₫ to under 1 billion ₫
            return "Số tiền không hợp lệ (03) — invalid amount."
        if not fields.get("vnp_TxnRef") or not fields.get("vnp_CreateDate"):
            return "Dữ liệu gửi sang không đúng định dạng (03) — missing fields."
        if fields.get("vnp_ExpireDate") and self._stamp() > fields["vnp_ExpireDate"]:
            return "Giao dịch đã quá thời gian chờ thanh toán (11) — the payment time ran out."
        return None

    def _choose(self, reference, outcome):
        payment = self.transactions.get(reference)
        if payment is None or payment["status"] != "open":
            return self._page("<p class=error>Không tìm thấy giao dịch (91) — no such open payment.</p>")
        params = self.complete(reference) if outcome == "pay" else self.fail(reference, "24")
        self.send_ipn(reference)
        separator = "&" if "?" in payment["return_url"] else "?"
        return Response(status=302, headers={"Location": payment["return_url"] + separator + urlencode(params)})

    @staticmethod
    def _page(body, status=200):
        html = ("<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
                "<title>VNPAY — SIMULATION</title><h1>VNPAY (SIMULATION)</h1>"
                "<p><strong>SIMULATION — no money moves. Mô phỏng — không có tiền thật.</strong></p>" + body)
        return Response(html, status=status, mimetype="text/html")

    # -- What the buyer does, and what VNPay says about it ---------------------------------------------------------
    def complete(self, reference, bank_code="NCB"):
        """The buyer paid: the payment succeeds; returns the signed result (return URL and IPN fields)."""
        with self._lock:
            payment = self.transactions[reference]
            payment.update(status="paid", code="00", number=str(next(self._numbers)), bank=bank_code,
                           paid_at=self._stamp())
            return self.result(reference)

    def fail(self, reference, code="24"):
        """The payment failed (``24``: the buyer cancelled); returns the signed result."""
        with self._lock:
            payment = self.transactions[reference]
            payment.update(status="failed", code=code, number="0", bank="NCB", paid_at=self._stamp())
            return self.result(reference)

    def result(self, reference, secret=None):
        """The signed fields VNPay sends to the return URL and the IPN for ``reference``."""
        payment = self.transactions[reference]
        fields = {"vnp_Amount": str(payment["amount"]), "vnp_BankCode": payment["bank"], "vnp_CardType": "ATM",
                  "vnp_OrderInfo": payment["info"], "vnp_PayDate": payment["paid_at"],
                  "vnp_ResponseCode": payment["code"], "vnp_TmnCode": self.tmn_code,
                  "vnp_TransactionNo": payment["number"],
                  "vnp_TransactionStatus": TRANSACTION_STATUS[payment["status"]], "vnp_TxnRef": reference}
        if payment["status"] == "paid":
            fields["vnp_BankTranNo"] = f"VNP{payment['number']}"
        fields["vnp_SecureHash"] = secure_hash(fields, secret or self.secret)
        return fields

    def send_ipn(self, reference, params=None):
        """Notify the merchant's IPN address of ``reference`` (kept back while ``hold_ipn``); returns the answer."""
        params = params or self.result(reference)
        if self.hold_ipn or not self.ipn_url:
            self.held.append(params)
            return None
        answer = self.notify("GET", self.ipn_url, params)
        self.ipn_answers.append((params, answer))
        return answer

    def _stamp(self):
        return self.now().astimezone(clock.TIMEZONE).strftime("%Y%m%d%H%M%S")

    # -- The transaction API -------------------------------------------------------------------------------------
    def _api(self, body):
        if not isinstance(body, dict) or body.get("vnp_Command") not in REQUEST_HASH:
            return self._json({"vnp_ResponseCode": "03", "vnp_Message": "Invalid request format"})
        command = body["vnp_Command"]
        if not hmac.compare_digest(str(body.get("vnp_SecureHash", "")).lower(),
                                   pipe_hash(body, REQUEST_HASH[command], self.secret)):
            return self._json({"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
        if body.get("vnp_TmnCode") != self.tmn_code:
            return self._json({"vnp_ResponseCode": "02", "vnp_Message": "Invalid TmnCode"})
        if body.get("vnp_RequestId") in self._request_ids:
            return self._json({"vnp_ResponseCode": "94", "vnp_Message": "Duplicate request"})
        self._request_ids.add(body.get("vnp_RequestId"))
        payment = self.transactions.get(body.get("vnp_TxnRef"))
        if payment is None:
            return self._json({"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found",
                               "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": body.get("vnp_TxnRef")})
        return self._query(body, payment) if command == "querydr" else self._refund(body, payment)

    def _query(self, body, payment):
        answer = self._answer(body, payment, "00", "QueryDR Success")
        answer.update(vnp_TransactionType="01", vnp_TransactionStatus=TRANSACTION_STATUS[payment["status"]],
                      vnp_PromotionCode="", vnp_PromotionAmount="")
        answer["vnp_SecureHash"] = pipe_hash(answer, QUERY_ANSWER_HASH, self.secret)
        return self._json(answer)

    def _refund(self, body, payment):
        amount = str(body.get("vnp_Amount", ""))
        remaining = payment["amount"] - payment["refunded"]
        if payment["status"] != "paid":
            return self._json({"vnp_ResponseCode": "95", "vnp_Message": "Transaction is not successful"})
        if self.refund_failure:
            return self._json({"vnp_ResponseCode": "99", "vnp_Message": self.refund_failure})
        whole = body.get("vnp_TransactionType") == "02"
        if not amount.isdigit() or not 0 < int(amount) <= remaining or (whole and int(amount) != payment["amount"]):
            return self._json({"vnp_ResponseCode": "93", "vnp_Message": "Invalid refund amount"})
        payment["refunded"] += int(amount)
        payment["refunds"].append({"amount": int(amount), "request_id": body["vnp_RequestId"],
                                   "by": body.get("vnp_CreateBy")})
        answer = self._answer(body, payment, "00", "Refund success")
        answer.update(vnp_Amount=amount, vnp_TransactionType=body.get("vnp_TransactionType"),
                      vnp_TransactionStatus="05", vnp_TransactionNo=str(next(self._numbers)))
        answer["vnp_SecureHash"] = pipe_hash(answer, ANSWER_HASH, self.secret)
        return self._json(answer)

    def _answer(self, body, payment, code, message):
        return {"vnp_ResponseId": secrets.token_hex(16),
                "vnp_Command": body["vnp_Command"], "vnp_ResponseCode": code, "vnp_Message": message,
                "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": body["vnp_TxnRef"], "vnp_Amount": str(payment["amount"]),
                "vnp_BankCode": payment.get("bank", ""), "vnp_PayDate": payment.get("paid_at", ""),
                "vnp_TransactionNo": payment.get("number", ""), "vnp_OrderInfo": payment["info"]}

    @staticmethod
    def _json(body):
        return Response(json.dumps(body), mimetype="application/json")
