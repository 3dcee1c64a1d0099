"""A fake of GHN's API (Giao Hàng Nhanh, "shiip public-api") that speaks its HTTP protocol, and pushes its callbacks.

It is the labelled simulation of development (mounted in the app at ``/simulated/ghn``) and the fake the tests serve
on a loopback port (``tests/support/fake_ghn.py``). It answers what ``shipping/ghn_client.py`` uses, as GHN's API
documentation describes it: JSON bodies, the headers ``Token`` and ``ShopId`` (401 without the right ones), answers
``{"code": 200, "message": "Success", "data": …}`` and refusals ``{"code": 400, "message": …, "code_message": …}``.

- ``GET /shiip/public-api/master-data/province|district|ward``: GHN's address codes. The fake's are made up from the
  official list of pre-2025 communes (``reference/data/wards.json``, ``legacy``): ProvinceID 9xx, DistrictID 9xxxx,
  WardCode ``SIM`` + the old NSO code, so a simulated code can never pass for one of GHN's. The names are the old
  units' names, as GHN keeps them.
- ``POST /shiip/public-api/v2/shipping-order/available-services|fee|leadtime``: one light-goods service (type 2);
  the fee grows with the distance (same district, same province, elsewhere) and with each 500 g over the first
  500 g of the chargeable weight (the larger of the weight and length × width × height / 5, GHN's rule); delivery
  takes 1, 2 or 4 days.
- ``POST …/v2/shipping-order/create``: checks what GHN requires (recipient, phone, ward and district, weight ≤ 50 kg,
  sides ≤ 200 cm, ``cod_amount`` ≤ 50.000.000 ₫, a known ``required_note``, ``payment_type_id`` 1 or 2) and refuses a
  ``client_order_code`` already used; answers ``order_code``, ``total_fee``, ``expected_delivery_time``.
- ``POST …/v2/shipping-order/detail`` (or ``GET ?order_code=``) and ``detail-by-client-code``: the order, with
  ``status``, ``cod_amount`` and ``cod_transfer_date``.
- ``POST …/v2/a5/gen-token``, then ``GET /a5/public-api/printA5?token=``: the label, a page labelled SIMULATION.
- ``GET /``: the carrier's desk (SIMULATION): every order with buttons that move it on (picked up, in transit,
  out for delivery, delivered, returned) or transfer its cash on delivery; each sends GHN's callback
  (``Type`` ``switch_status``, or ``cod`` with ``CODTransferDate`` for a transfer) to ``webhook_url`` with the
  ``X-Webhook-Secret`` header.

Tests drive it directly: ``push(code, status)`` and ``remit(code)`` send a callback and return our answer,
``callback(code, status)`` builds one without sending it (to replay or reorder), ``down`` makes every API call
answer 503, and ``requests`` lists the calls received.
"""

import itertools
import json
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from functools import cache
from html import escape

import requests
from werkzeug.wrappers import Request, Response

from marketplace.core import clock
from marketplace.reference.lookup import legacy_wards

API = "/shiip/public-api"
PRINT_PATH = "/a5/public-api/printA5"
WEBHOOK_HEADER = "X-Webhook-Secret"
LIGHT_SERVICE = {"service_id": 53320, "short_name": "Hàng nhẹ", "service_type_id": 2}
REQUIRED_NOTES = ("CHOTHUHANG", "CHOXEMHANGKHONGTHU", "KHONGCHOXEMHANG")
PHONE = re.compile(r"^0\d{9}$")
MAX_COD_VND, MAX_WEIGHT_G, MAX_SIDE_CM = 50_000_000, 50_000, 200
#: Fee (đồng) of the first 500 g and of each further 500 g, by distance; days to deliver.
RATES = {"district": (15_000, 2_500, 1), "province": (20_000, 2_500, 2), "country": (32_000, 5_000, 4)}
#: What the desk's buttons send, in GHN's words (``returned`` goes through GHN's return statuses first).
DESK_STEPS = {"picked": ("picked",), "transporting": ("storing", "transporting"), "delivering": ("delivering",),
              "delivered": ("delivered",), "returned": ("delivery_fail", "waiting_to_return", "return",
                                                         "returning", "returned")}
PREFIXES = re.compile(r"^(Tỉnh|Thành phố)\s+")


@cache
def world():
    """GHN's address codes as the fake has them: provinces, districts and wards made up from the old communes."""
    provinces, districts, wards = {}, {}, {}
    rows = sorted(legacy_wards(), key=lambda row: (row[3], row[2], row[0]))
    for old_code, old_ward, old_district, old_province, _new in rows:
        province_id = provinces.setdefault(old_province, {"ProvinceID": 901 + len(provinces),
                                                          "ProvinceName": PREFIXES.sub("", old_province),
                                                          "NameExtension": [old_province]})["ProvinceID"]
        key = (old_province, old_district)
        if key not in districts:
            districts[key] = {"DistrictID": 90001 + len(districts), "ProvinceID": province_id,
                              "DistrictName": old_district, "NameExtension": [old_district]}
        district_id = districts[key]["DistrictID"]
        wards[f"SIM{old_code}"] = {"WardCode": f"SIM{old_code}", "DistrictID": district_id, "WardName": old_ward,
                                   "NameExtension": [old_ward]}
    return {"provinces": list(provinces.values()), "districts": {d["DistrictID"]: d for d in districts.values()},
            "wards": wards}


def ok(data):
    """GHN's answer to a call that worked."""
    return Response(json.dumps({"code": 200, "message": "Success", "data": data}, ensure_ascii=False),
                    mimetype="application/json")


def refused(message, code_message="USER_ERR_COMMON", status=400):
    """GHN's answer to a call it refuses."""
    body = {"code": status, "message": message, "data": None, "code_message": code_message}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def http_notify(url, payload, headers):
    """Deliver a callback over HTTP as GHN does (a JSON POST); return (status, body)."""
    response = requests.post(url, json=payload, headers=headers, timeout=10)
    return response.status_code, response.text


def _iso(moment):
    """GHN's times: ISO 8601 in UTC with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _int(value, default=0):
    """A whole number from JSON or a query string, else ``default``."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class FakeGhn:
    """GHN's shop API for one shop (``token``, ``shop_id``), with its callbacks to ``webhook_url``."""

    def __init__(self, token, shop_id, webhook_url, webhook_secret, notify=http_notify):
        self.token, self.shop_id = token, str(shop_id)
        self.webhook_url, self.webhook_secret, self.notify = webhook_url, webhook_secret, notify
        self.orders, self.tokens, self.requests, self.callbacks = {}, {}, [], []
        self.down = False
        self.base_url = ""
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    # -- the HTTP side ---------------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        """The WSGI application."""
        request = Request(environ)
        return self.answer(request)(environ, start_response)

    def answer(self, request):
        """Route one request."""
        path = request.path
        if path in ("/", ""):
            return self.desk()
        if path.startswith("/simulation/orders/") and request.method == "POST":
            return self.desk_action(path.rsplit("/", 1)[1], request.form.get("step", ""))
        if path == PRINT_PATH:
            return self.label(request.args.get("token", ""))
        if not path.startswith(API):
            return refused("Not found", "NOT_FOUND", 404)
        if self.down:
            return refused("Service unavailable", "SERVER_ERROR_COMMON", 503)
        body = request.get_json(silent=True) if request.data else None
        body = body if isinstance(body, dict) else {key: value for key, value in request.args.items()}
        self.requests.append((path[len(API):], body, dict(request.headers)))
        if request.headers.get("Token") != self.token:
            return refused("Token is not valid!", "UNAUTHORIZED", 401)
        name = path[len(API):]
        if name.startswith("/v2/shipping-order") and request.headers.get("ShopId") != self.shop_id:
            return refused("Shop is not valid!", "CLIENT_NOT_OWNER_OF_SHOP", 401)
        handler = self.routes().get(name)
        return handler(body) if handler else refused("Not found", "NOT_FOUND", 404)

    def routes(self):
        """The API's paths (after ``/shiip/public-api``) and their handlers."""
        return {"/master-data/province": self.provinces, "/master-data/district": self.districts,
                "/master-data/ward": self.wards, "/v2/shipping-order/available-services": self.services,
                "/v2/shipping-order/fee": self.fee, "/v2/shipping-order/leadtime": self.leadtime,
                "/v2/shipping-order/create": self.create, "/v2/shipping-order/detail": self.detail,
                "/v2/shipping-order/detail-by-client-code": self.detail_by_client_code,
                "/v2/a5/gen-token": self.gen_token}

    # -- master data -----------------------------------------------------------------------------------------------

    def provinces(self, _body):
        """Every province."""
        return ok(world()["provinces"])

    def districts(self, body):
        """The districts of ``province_id``."""
        wanted = _int(body.get("province_id"))
        return ok([d for d in world()["districts"].values() if d["ProvinceID"] == wanted])

    def wards(self, body):
        """The wards of ``district_id``."""
        wanted = _int(body.get("district_id"))
        return ok([w for w in world()["wards"].values() if w["DistrictID"] == wanted])

    # -- prices and times ------------------------------------------------------------------------------------------

    @staticmethod
    def distance(from_district, from_ward, to_district, to_ward):
        """``district``, ``province`` or ``country`` between two places; None when a code is not GHN's."""
        districts, wards = world()["districts"], world()["wards"]
        for district, ward in ((from_district, from_ward), (to_district, to_ward)):
            if district not in districts or wards.get(ward, {}).get("DistrictID") != district:
                return None
        if from_district == to_district:
            return "district"
        same = districts[from_district]["ProvinceID"] == districts[to_district]["ProvinceID"]
        return "province" if same else "country"

    @staticmethod
    def price(distance, weight, length, width, height):
        """The fee of a parcel: the first 500 g, then each 500 g more of the chargeable weight."""
        first, more, _days = RATES[distance]
        chargeable = max(weight, length * width * height // 5)
        return first + more * max(0, -(-chargeable // 500) - 1)

    def services(self, body):
        """The light-goods service between two districts."""
        districts = world()["districts"]
        if _int(body.get("from_district")) not in districts or _int(body.get("to_district")) not in districts:
            return refused("Không tìm thấy tuyến", "ROUTE_NOT_FOUND_SERVICE")
        return ok([LIGHT_SERVICE])

    def _route(self, body):
        """The distance of a request's route, or None."""
        return self.distance(_int(body.get("from_district_id")), str(body.get("from_ward_code") or ""),
                             _int(body.get("to_district_id")), str(body.get("to_ward_code") or ""))

    def fee(self, body):
        """What a parcel costs between two wards."""
        distance = self._route(body)
        weight = _int(body.get("weight"))
        if distance is None or not 0 < weight <= MAX_WEIGHT_G:
            return refused("Sai thông tin tuyến hoặc khối lượng", "ROUTE_NOT_FOUND_SERVICE")
        total = self.price(distance, weight, _int(body.get("length")), _int(body.get("width")),
                           _int(body.get("height")))
        return ok({"total": total, "service_fee": total, "insurance_fee": 0, "pick_station_fee": 0,
                   "coupon_value": 0, "r2s_fee": 0, "document_return": 0, "double_check": 0, "cod_fee": 0,
                   "pick_remote_areas_fee": 0, "deliver_remote_areas_fee": 0, "cod_failed_fee": 0})

    def expected(self, distance):
        """When a parcel handed over now arrives: the end of the day, ``RATES``' days later (Vietnam time)."""
        day = clock.now().astimezone(clock.TIMEZONE).date() + timedelta(days=RATES[distance][2])
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=clock.TIMEZONE)

    def leadtime(self, body):
        """When a parcel between two wards arrives (Unix time)."""
        distance = self._route(body)
        if distance is None:
            return refused("Không tìm thấy tuyến", "ROUTE_NOT_FOUND_SERVICE")
        return ok({"leadtime": int(self.expected(distance).timestamp()),
                   "order_date": clock.now().astimezone(clock.TIMEZONE).date().isoformat()})

    # -- orders ----------------------------------------------------------------------------------------------------

    def create(self, body):
        """A new order, after GHN's checks; a ``client_order_code`` used before is refused."""
        problem = self.problem(body)
        if problem:
            return refused(*problem)
        distance = self._route(body)
        total = self.price(distance, _int(body["weight"]), _int(body["length"]), _int(body["width"]),
                           _int(body["height"]))
        with self._lock:
            client_code = str(body.get("client_order_code") or "")
            if client_code and any(o["client_order_code"] == client_code for o in self.orders.values()):
                return refused("Mã đơn hàng của shop đã tồn tại", "DUPLICATE_CLIENT_ORDER_CODE")
            code = f"SIM{next(self._numbers):04d}{secrets.token_hex(2).upper()}"
            expected = self.expected(distance)
            self.orders[code] = {"order_code": code, "client_order_code": client_code, "status": "ready_to_pick",
                                 "cod_amount": _int(body.get("cod_amount")), "cod_transfer_date": None,
                                 "total_fee": total, "weight": _int(body["weight"]), "length": _int(body["length"]),
                                 "width": _int(body["width"]), "height": _int(body["height"]),
                                 "to_name": body["to_name"], "to_phone": body["to_phone"],
                                 "to_address": body["to_address"], "from_name": body.get("from_name", ""),
                                 "from_address": body.get("from_address", ""), "content": body.get("content", ""),
                                 "payment_type_id": _int(body["payment_type_id"]),
                                 "expected_delivery_time": _iso(expected), "created_date": _iso(clock.now()),
                                 "log": [{"status": "ready_to_pick", "updated_date": _iso(clock.now())}]}
        return ok({"order_code": code, "sort_code": "000-A-00-00", "trans_type": "truck", "total_fee": total,
                   "expected_delivery_time": _iso(expected),
                   "fee": {"main_service": total, "insurance": 0, "cod_fee": 0, "station_do": 0, "station_pu": 0,
                           "return": 0, "r2s": 0, "coupon": 0}})

    def problem(self, body):
        """Why GHN would refuse to create this order — ``(message, code_message)`` — or None."""
        if not all(str(body.get(key) or "").strip() for key in ("to_name", "to_address", "from_name", "content")):
            return "Thiếu thông tin người gửi, người nhận hoặc nội dung", "USER_ERR_COMMON"
        if not PHONE.match(str(body.get("to_phone") or "")):
            return "Số điện thoại không hợp lệ", "PHONE_INVALID"
        if self._route(body) is None:
            return "Không tìm thấy tuyến giữa quận gửi và quận nhận", "ROUTE_NOT_FOUND_SERVICE"
        if not 0 < _int(body.get("weight")) <= MAX_WEIGHT_G or not all(
                0 < _int(body.get(side)) <= MAX_SIDE_CM for side in ("length", "width", "height")):
            return "Khối lượng hoặc kích thước không hợp lệ", "USER_ERR_COMMON"
        if not 0 <= _int(body.get("cod_amount", 0), -1) <= MAX_COD_VND:
            return "Tiền thu hộ không hợp lệ", "USER_ERR_COMMON"
        if body.get("required_note") not in REQUIRED_NOTES or _int(body.get("payment_type_id")) not in (1, 2):
            return "Sai ghi chú bắt buộc hoặc người trả phí", "USER_ERR_COMMON"
        return None

    def detail(self, body):
        """One order by GHN's code."""
        order = self.orders.get(str(body.get("order_code") or ""))
        return ok(self.public(order)) if order else refused("Không tìm thấy đơn hàng", "ORDER_NOT_FOUND")

    def detail_by_client_code(self, body):
        """One order by the shop's own code."""
        wanted = str(body.get("client_order_code") or "")
        order = next((o for o in self.orders.values() if wanted and o["client_order_code"] == wanted), None)
        return ok(self.public(order)) if order else refused("Không tìm thấy đơn hàng", "ORDER_NOT_FOUND")

    @staticmethod
    def public(order):
        """An order as GHN's detail call shows it."""
        return {key: value for key, value in order.items() if key != "log"} | {"log": list(order["log"])}

    def gen_token(self, body):
        """A token for printing the labels of ``order_codes`` (one unknown code refuses them all, as at GHN)."""
        codes = [str(code) for code in body.get("order_codes") or []]
        if not codes or any(code not in self.orders for code in codes):
            return refused("Mã đơn hàng không hợp lệ", "ORDER_NOT_FOUND")
        token = secrets.token_hex(16)
        self.tokens[token] = codes
        return ok({"token": token})

    # -- callbacks -------------------------------------------------------------------------------------------------

    def callback(self, code, status=None, kind="switch_status", transferred=None):
        """GHN's callback about order ``code`` (its status now, or ``status``), as GHN sends it."""
        order = self.orders[code]
        return {"ShopID": int(self.shop_id), "Time": _iso(clock.now()), "OrderCode": code,
                "ClientOrderCode": order["client_order_code"], "Type": kind, "Description": "",
                "Status": status or order["status"], "Reason": "", "ReasonCode": "",
                "CODAmount": order["cod_amount"], "CODTransferDate": transferred, "Weight": order["weight"],
                "ConvertedWeight": max(order["weight"], order["length"] * order["width"] * order["height"] // 5),
                "Length": order["length"], "Width": order["width"], "Height": order["height"],
                "PaymentType": order["payment_type_id"], "IsPartialReturn": False, "PartialReturnCode": "",
                "Fee": {"MainService": order["total_fee"]}, "TotalFee": order["total_fee"], "Warehouse": ""}

    def send(self, payload, secret=None):
        """Deliver one callback to ``webhook_url``; return (status, body) of our answer."""
        headers = {WEBHOOK_HEADER: self.webhook_secret if secret is None else secret}
        answer = self.notify(self.webhook_url, payload, headers)
        self.callbacks.append((payload, answer))
        return answer

    def push(self, code, status):
        """Move order ``code`` to GHN's ``status`` and tell the shop; return our answer."""
        with self._lock:
            order = self.orders[code]
            order["status"] = status
            order["log"].append({"status": status, "updated_date": _iso(clock.now())})
        return self.send(self.callback(code, status))

    def remit(self, code):
        """Transfer the cash collected for ``code`` to the shop (``CODTransferDate``) and tell it; our answer."""
        with self._lock:
            order = self.orders[code]
            order["cod_transfer_date"] = _iso(clock.now())
        return self.send(self.callback(code, kind="cod", transferred=order["cod_transfer_date"]))

    # -- the pages a person sees (SIMULATION) ----------------------------------------------------------------------

    def desk(self):
        """The carrier's desk: every order, and buttons to move it on or transfer its cash."""
        rows = []
        for code, order in reversed(list(self.orders.items())):
            buttons = "".join(
                f"<button name=step value={step}>{escape(label)}</button>"
                for step, label in (("picked", "Đã lấy hàng"), ("transporting", "Đang trung chuyển"),
                                    ("delivering", "Đang giao"), ("delivered", "Giao thành công"),
                                    ("returned", "Hoàn hàng"), ("remit", "Chuyển tiền COD")))
            rows.append(f"<li class=order id=order-{escape(code)}><strong>{escape(code)}</strong> · "
                        f"{escape(order['client_order_code'])} · <span class=status>{escape(order['status'])}"
                        f"</span> · COD {order['cod_amount']:,} ₫"
                        f"{' (đã chuyển)' if order['cod_transfer_date'] else ''}"
                        f"<form method=post action=\"{self.base_url}/simulation/orders/{escape(code)}\">"
                        f"{buttons}</form></li>")
        return self.page("GHN — bàn giao nhận (SIMULATION)",
                         "<ul class=orders>" + "".join(rows) + "</ul>" if rows else "<p>Chưa có đơn.</p>")

    def desk_action(self, code, step):
        """A desk button: send the callbacks of ``step`` for order ``code``, then show the desk again."""
        if code not in self.orders or (step not in DESK_STEPS and step != "remit"):
            return self.page("GHN — SIMULATION", "<p>Không tìm thấy đơn hoặc bước.</p>", 404)
        for status in DESK_STEPS.get(step, ()):
            self.push(code, status)
        if step == "remit":
            self.remit(code)
        return Response(status=303, headers={"Location": f"{self.base_url}/#order-{code}"})

    def label(self, token):
        """The label of the orders a print token names."""
        codes = self.tokens.get(token)
        if not codes:
            return self.page("GHN — SIMULATION", "<p>Token không hợp lệ.</p>", 404)
        labels = "".join(
            f"<section class=label><h2>{escape(code)}</h2><p>Từ: {escape(o['from_name'])}, "
            f"{escape(o['from_address'])}</p><p>Đến: {escape(o['to_name'])} · {escape(o['to_phone'])}<br>"
            f"{escape(o['to_address'])}</p><p>Thu hộ (COD): {o['cod_amount']:,} ₫ · {o['weight']} g · "
            f"{escape(o['content'])}</p></section>" for code in codes for o in (self.orders[code],))
        return self.page("GHN — nhãn A5 (SIMULATION)", labels)

    @staticmethod
    def page(title, body, status=200):
        """A plain page labelled SIMULATION (no script, no style: the site's CSP applies when mounted)."""
        html = ("<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
                f"<title>{escape(title)}</title><h1>{escape(title)}</h1>"
                "<p><strong>SIMULATION — không có đơn vị vận chuyển thật. No real carrier.</strong></p>" + body)
        return Response(html, status=status, mimetype="text/html")
