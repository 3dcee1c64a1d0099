"""The only module that speaks GHN's HTTP API (Giao Hàng Nhanh, "shiip public-api"), and checks its callbacks.

Following GHN's API documentation (api.ghn.vn/home/docs, developer.ghn.vn): every call is JSON under
``GHN_API_URL`` (``https://online-gateway.ghn.vn/shiip/public-api``; ``dev-online-gateway.ghn.vn`` for GHN's test
environment) with the headers ``Token`` (the account's API token) and ``ShopId`` (the shop the orders belong to),
answered ``{"code": 200, "message": "Success", "data": …}``; a refusal carries another ``code``, a ``message`` and
often a ``code_message`` (``PHONE_INVALID``, ``ROUTE_NOT_FOUND_SERVICE``…).

- ``POST /v2/shipping-order/available-services`` {shop_id, from_district, to_district}: the route's services; we
  use light goods (``service_type_id`` 2, priced by weight and size).
- ``POST /v2/shipping-order/fee`` {service_id, service_type_id, from_district_id, from_ward_code, to_district_id,
  to_ward_code, weight (g), length, width, height (cm), insurance_value, cod_value}: ``total`` in đồng.
- ``POST /v2/shipping-order/leadtime`` {from_district_id, from_ward_code, to_district_id, to_ward_code,
  service_id}: ``leadtime``, the Unix time of the expected delivery.
- ``POST /v2/shipping-order/create``: sender (``from_*``), recipient (``to_*``, with GHN's ward and district codes),
  parcel, ``cod_amount`` (the đồng GHN collects from the buyer: 0 when paid online), ``insurance_value``,
  ``client_order_code`` (ours, unique at GHN: a creation retried after a lost answer finds the first order),
  ``payment_type_id`` 1 (the shop pays GHN), ``required_note`` CHOXEMHANGKHONGTHU (the buyer may look, not try):
  ``order_code``, ``total_fee``, ``expected_delivery_time``.
- ``POST /v2/shipping-order/detail`` {order_code} and ``…/detail-by-client-code`` {client_order_code}: the order,
  its ``status``, ``cod_amount`` and ``cod_transfer_date`` (when GHN transferred the cash it collected).
- ``POST /v2/a5/gen-token`` {order_codes}: a token valid about 30 minutes for the label page
  ``<GHN's host>/a5/public-api/printA5?token=…``; a new one is asked for each print.
- ``GET /master-data/province``, ``/master-data/district?province_id=``, ``/master-data/ward?district_id=``: GHN's
  address codes. Its fee and lead-time calls still take districts and wards as they were before 1 July 2025, so
  ``data/ghn_wards.json`` maps each official ward to GHN's codes (``shipping/wards.py``).

Callbacks: GHN signs nothing; it sends the header its client registers with it. We register
``X-Webhook-Secret: <GHN_WEBHOOK_SECRET>`` (compared in constant time) and check the payload's ``ShopID``.

Money is đồng, as GHN counts it. Calls return ``(result, error)`` like ``stripe_client``: the ``data``, or a short
English message for logs (refusals and network failures never reach callers as exceptions). Timeouts: 5 s to
connect, 15 s for an answer, no automatic retry (a creation is made safe to repeat by ``client_order_code``).
"""

import hmac
from collections import namedtuple
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from flask import current_app

from marketplace.core import clock
from marketplace.shipping import simulation

#: The settings that turn the carrier on (contract §6); all four, or no carrier.
SETTING_NAMES = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_URL", "GHN_WEBHOOK_SECRET")
TIMEOUT = (5, 15)
#: GHN's light-goods service type (under 20 kg; priced by weight and size).
LIGHT_GOODS = 2
#: The shop pays GHN (the buyer paid us the fee at checkout); the buyer may look at the goods but not try them.
SHOP_PAYS, REQUIRED_NOTE = 1, "CHOXEMHANGKHONGTHU"
#: GHN's limits: cash on delivery and declared value per order (đồng).
MAX_COD_VND, MAX_INSURANCE_VND = 50_000_000, 5_000_000
WEBHOOK_HEADER = "X-Webhook-Secret"

Settings = namedtuple("Settings", "token shop_id api_url webhook_secret simulated")
#: A place as GHN codes it: its district (integer) and ward (a string: keep its leading zeros), with their names.
Place = namedtuple("Place", "district_id ward_code ward_name district_name province_name")
Quoted = namedtuple("Quoted", "fee_vnd expected_on service_id")


def settings():
    """GHN's settings: the configured ones, the labelled simulation's in development without them, else None."""
    values = [current_app.config.get(name) for name in SETTING_NAMES]
    if all(values):
        return Settings(*values, simulated=False)
    if not simulation.active(SETTING_NAMES):
        return None
    return Settings(*simulation.credentials(), simulated=True)


def talks_to_ghn(config):
    """True when ``config`` (``settings()``) reaches GHN's own servers (``*.ghn.vn``, ``*.ghn.dev``), not a fake."""
    if config is None or config.simulated:
        return False
    host = urlsplit(config.api_url).hostname or ""
    return host.endswith((".ghn.vn", ".ghn.dev")) or host in ("ghn.vn", "ghn.dev")


def is_configured():
    """True when a carrier prices and carries parcels (GHN, or its simulation in development)."""
    return settings() is not None


def _call(method, path, body=None, params=None):
    """One API call: ``(data, None)``, or ``(None, error)`` for a refusal, a failure or no configuration."""
    config = settings()
    if config is None:
        return None, "GHN is not configured"
    headers = {"Token": config.token, "ShopId": str(config.shop_id), "Content-Type": "application/json"}
    try:
        response = simulation.http(config.simulated).request(
            method, config.api_url.rstrip("/") + path, json=body, params=params, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        return None, f"GHN could not be reached: {error.__class__.__name__}"
    try:
        answer = response.json()
    except ValueError:
        return None, f"GHN answered HTTP {response.status_code} without JSON"
    if response.status_code != 200 or not isinstance(answer, dict) or answer.get("code") != 200:
        answer = answer if isinstance(answer, dict) else {}
        return None, (f"GHN refused ({response.status_code} {answer.get('code_message') or answer.get('code')}): "
                      f"{answer.get('message')}")
    return answer.get("data"), None


def quote(origin, destination, weight_g, size_cm, insurance_vnd):
    """The fee and expected delivery day of a parcel from ``origin`` to ``destination`` (both :data:`Place`).

    Three calls: the route's light-goods service, its fee, its lead time. Returns ``(Quoted, error)``.
    """
    config = settings()
    services, error = _call("POST", "/v2/shipping-order/available-services", {
        "shop_id": int(config.shop_id) if config else 0, "from_district": origin.district_id,
        "to_district": destination.district_id})
    service = next((s for s in services or [] if s.get("service_type_id") == LIGHT_GOODS), None)
    if service is None:
        return None, error or "GHN offers no light-goods service on this route"
    route = {"from_district_id": origin.district_id, "from_ward_code": origin.ward_code,
             "to_district_id": destination.district_id, "to_ward_code": destination.ward_code}
    length, width, height = size_cm
    fee, error = _call("POST", "/v2/shipping-order/fee", {
        **route, "service_id": service["service_id"], "service_type_id": LIGHT_GOODS, "weight": weight_g,
        "length": length, "width": width, "height": height,
        "insurance_value": min(insurance_vnd, MAX_INSURANCE_VND), "cod_value": 0})
    if error:
        return None, error
    lead, error = _call("POST", "/v2/shipping-order/leadtime", {**route, "service_id": service["service_id"]})
    if error:
        return None, error
    total, when = fee.get("total"), lead.get("leadtime")
    if not isinstance(total, int) or total < 0 or not isinstance(when, int):
        return None, f"GHN's quote could not be read: {fee!r} {lead!r}"
    return Quoted(total, datetime.fromtimestamp(when, clock.TIMEZONE).date(), service["service_id"]), None


def create_order(client_code, sender, recipient, parcel, cod_vnd, insurance_vnd, content, items):
    """Create GHN's order for a parcel: ``(data, error)``, data with ``order_code``, ``total_fee``, expected time.

    :param sender: dict ``name, phone, address`` and ``place`` (:data:`Place`) of the pick-up.
    :param recipient: the same for the buyer.
    :param parcel: ``shipping.parcels.Parcel``.
    :param items: ``[(name, quantity, unit price)]`` for the label.
    A refusal of a ``client_code`` GHN already holds is answered with that order (a retry after a lost answer).
    """
    if not 0 <= cod_vnd <= MAX_COD_VND:
        return None, f"GHN collects at most {MAX_COD_VND:,} ₫ per order, not {cod_vnd:,} ₫"
    body = {"payment_type_id": SHOP_PAYS, "required_note": REQUIRED_NOTE, "client_order_code": client_code,
            **_party("from", sender), **_party("to", recipient),
            "return_phone": sender["phone"], "return_address": sender["address"],
            "return_district_id": sender["place"].district_id, "return_ward_code": sender["place"].ward_code,
            "cod_amount": cod_vnd, "insurance_value": min(insurance_vnd, MAX_INSURANCE_VND),
            "content": content[:2000], "weight": parcel.weight_g, "length": parcel.length_cm,
            "width": parcel.width_cm, "height": parcel.height_cm, "service_type_id": LIGHT_GOODS,
            "items": [{"name": name[:200], "quantity": quantity, "price": price, "weight": 0}
                      for name, quantity, price in items]}
    data, error = _call("POST", "/v2/shipping-order/create", body)
    if error:
        existing, _missing = _call("POST", "/v2/shipping-order/detail-by-client-code",
                                   {"client_order_code": client_code})
        return (existing, None) if existing else (None, error)
    return data, None


def _party(prefix, who):
    """GHN's ``from_*`` or ``to_*`` fields of a sender or recipient."""
    place = who["place"]
    return {f"{prefix}_name": who["name"], f"{prefix}_phone": who["phone"], f"{prefix}_address": who["address"],
            f"{prefix}_ward_code": place.ward_code, f"{prefix}_district_id": place.district_id,
            f"{prefix}_ward_name": place.ward_name, f"{prefix}_district_name": place.district_name,
            f"{prefix}_province_name": place.province_name}


def order_detail(order_code):
    """GHN's order ``order_code``: ``(data, error)``; the data has ``status`` and ``cod_transfer_date``."""
    return _call("POST", "/v2/shipping-order/detail", {"order_code": order_code})


def label_url(order_code):
    """The address of the order's printable A5 label (a fresh token each time): ``(url, error)``."""
    data, error = _call("POST", "/v2/a5/gen-token", {"order_codes": [order_code]})
    if error or not (data or {}).get("token"):
        return None, error or "GHN gave no print token"
    host = settings().api_url.rstrip("/").removesuffix("/shiip/public-api")
    return f"{host}/a5/public-api/printA5?token={data['token']}", None


def provinces():
    """GHN's provinces: ``(rows, error)`` with ``ProvinceID``, ``ProvinceName``, ``NameExtension``."""
    return _call("GET", "/master-data/province")


def districts(province_id):
    """GHN's districts of a province: ``(rows, error)`` with ``DistrictID``, ``DistrictName``, ``NameExtension``."""
    return _call("GET", "/master-data/district", params={"province_id": province_id})


def wards(district_id):
    """GHN's wards of a district: ``(rows, error)`` with ``WardCode``, ``WardName``, ``NameExtension``."""
    return _call("GET", "/master-data/ward", params={"district_id": district_id})


def verify_callback(headers, payload):
    """True when a callback carries our secret (constant-time comparison) and names our shop."""
    config = settings()
    if config is None or not isinstance(payload, dict):
        return False
    sent = (headers.get(WEBHOOK_HEADER) or "").encode()
    if not hmac.compare_digest(sent, str(config.webhook_secret).encode()):
        return False
    return str(payload.get("ShopID", config.shop_id)) == str(config.shop_id)


def parse_time(value):
    """An aware datetime from GHN's ISO times (``2026-07-15T04:49:47.811Z``; no zone: Vietnam), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=clock.TIMEZONE)).astimezone(UTC)
