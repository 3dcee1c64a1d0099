"""The labelled simulations of VNPay and MoMo in development: each gateway's fake, mounted inside the app.

Without a gateway's keys and with ``SIMULATED_PAYMENTS`` (development), its client points at its fake
(``simulation/vnpay.py``, ``simulation/momo.py``), which speaks the gateway's HTTP protocol and signature scheme:
the buyer's browser opens the fake's payment page at ``/simulated/<gateway>/…`` (clearly labelled SIMULATION), the
client's API calls reach the fake in-process (``http()``), and the fake's notifications (IPN) reach the app's own
endpoints in-process too, so the whole journey runs through the real signing, verification and payment code.
Production never simulates: without keys the method is unavailable. The tests serve the same fakes on a loopback
port over real HTTP (``tests/support/fake_vnpay.py``, ``tests/support/fake_momo.py``).
"""

import secrets
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client, EnvironBuilder

from marketplace.core.security import external_url
from marketplace.payments.simulation.momo import FakeMomo
from marketplace.payments.simulation.vnpay import API_PATH as VNPAY_API_PATH
from marketplace.payments.simulation.vnpay import PAY_PATH as VNPAY_PAY_PATH
from marketplace.payments.simulation.vnpay import FakeVnpay

__all__ = ["VNPAY_API_PATH", "VNPAY_PAY_PATH", "active", "base_url", "credentials", "fake", "http"]

#: Where the fakes are mounted in the app (``web/checkout/gateways.py``): ``/simulated/<gateway>/…``.
MOUNT = "/simulated"
#: The simulated merchant's identifiers; the secrets are drawn once per process.
SIMULATED_IDS = {"vnpay": ("SIMULATE",), "momo": ("MOMOSIMULATE", "simulated-access-key")}


def active(gateway, setting_names):
    """True when ``gateway`` is simulated: development (``SIMULATED_PAYMENTS``) and none of its settings given."""
    config = current_app.config
    return bool(config.get("SIMULATED_PAYMENTS")) and not any(config.get(name) for name in setting_names)


def credentials(gateway):
    """The simulated merchant's identifiers and secret for ``gateway`` (the secret drawn once per process)."""
    secret = current_app.config.setdefault(f"SIMULATED_{gateway.upper()}_SECRET", secrets.token_hex(16).upper())
    return (*SIMULATED_IDS[gateway], secret)


def base_url(gateway):
    """The address of ``gateway``'s simulation, on the site's own address (``PUBLIC_URL``)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + f"{MOUNT}/{gateway}"


def fake(gateway):
    """The app's simulation of ``gateway`` (built once per process)."""
    fakes = current_app.extensions.setdefault("simulated_gateways", {})
    if gateway not in fakes:
        if gateway == "vnpay":
            tmn_code, secret = credentials("vnpay")
            fakes[gateway] = FakeVnpay(tmn_code, secret, ipn_url=external_url("webhooks.vnpay_ipn"),
                                       notify=_deliver_in_process)
        else:
            partner_code, access_key, secret = credentials("momo")
            fakes[gateway] = FakeMomo(partner_code, access_key, secret, notify=_deliver_in_process)
    return fakes[gateway]


def http(simulated):
    """What a client sends its requests with: ``requests`` itself, or a session delivering them to the fakes."""
    if not simulated:
        return requests
    session = requests.Session()
    prefix = current_app.config["PUBLIC_URL"].rstrip("/") + MOUNT + "/"
    session.mount(prefix, _InProcess(current_app._get_current_object()))
    return session


def _deliver_in_process(method, url, payload):
    """A fake's notification to the app itself, through its test client (the development server may be single)."""
    address = urlsplit(url)
    client = current_app.test_client()
    if method == "GET":
        response = client.get(address.path, query_string=payload)
    else:
        response = client.post(address.path, json=payload)
    return response.status_code, response.get_data(as_text=True)


class _InProcess(BaseAdapter):
    """A ``requests`` transport that hands requests for ``/simulated/<gateway>/…`` to that gateway's fake."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Run the fake on the request, in this thread, and wrap its answer as a ``requests.Response``."""
        with self.app.app_context():
            gateway = urlsplit(request.url).path.split(f"{MOUNT}/", 1)[1].split("/", 1)[0]
            base = base_url(gateway)
            target = urlsplit(request.url[len(base):] or "/")
            builder = EnvironBuilder(path=target.path, base_url=base, query_string=target.query, method=request.method,
                                     headers=dict(request.headers), data=request.body)
            answer = Client(fake(gateway)).open(builder)
        response = requests.Response()
        response.status_code, response.url, response.request = answer.status_code, request.url, request
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content, response.encoding = answer.get_data(), "utf-8"  # how requests builds one itself
        return response

    def close(self):
        """Nothing to release."""
