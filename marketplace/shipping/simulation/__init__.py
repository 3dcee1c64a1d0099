"""The labelled simulation of GHN in development: GHN's fake (``simulation/ghn.py``), mounted inside the app.

Without GHN's settings and with ``SIMULATED_CARRIER`` (development), ``ghn_client`` points at the fake mounted at
``/simulated/ghn`` (``web/webhooks/ghn.py`` serves it): the client's API calls reach it in-process (``http()``), the
label and the carrier's desk (``/simulated/ghn/``, labelled SIMULATION) open in the browser, and the desk's
callbacks reach ``/webhooks/ghn`` in-process too, so ``make run`` shows a parcel from "Giao cho đơn vị vận chuyển"
to delivered, and its cash on delivery transferred, through the real client, webhook and order code. Production
never simulates: without GHN's settings the fallback rate table prices shipping and vendors type their tracking.
The tests serve the same fake on a loopback port over real HTTP (``tests/support/fake_ghn.py``).
"""

import secrets
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client, EnvironBuilder

from marketplace.core.security import external_url
from marketplace.shipping.simulation.ghn import API, FakeGhn

#: Where the fake is mounted in the app (``web/webhooks/ghn.py``).
MOUNT = "/simulated/ghn"
SIMULATED_SHOP_ID = "885"


def active(setting_names):
    """True when GHN is simulated: development (``SIMULATED_CARRIER``) and none of its settings given."""
    config = current_app.config
    return bool(config.get("SIMULATED_CARRIER")) and not any(config.get(name) for name in setting_names)


def base_url():
    """The simulation's address, on the site's own address (``PUBLIC_URL``)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + MOUNT


def credentials():
    """``(token, shop id, API address, webhook secret)`` of the simulated shop (secrets drawn once per process)."""
    token = current_app.config.setdefault("SIMULATED_GHN_TOKEN", secrets.token_hex(16))
    secret = current_app.config.setdefault("SIMULATED_GHN_WEBHOOK_SECRET", secrets.token_hex(16))
    return token, SIMULATED_SHOP_ID, base_url() + API, secret


def fake():
    """The app's simulation of GHN (built once per process)."""
    extensions = current_app.extensions
    if "simulated_ghn" not in extensions:
        token, shop_id, _api, secret = credentials()
        simulated = FakeGhn(token, shop_id, external_url("webhooks.ghn_callback"), secret, notify=_in_process)
        simulated.base_url = base_url()
        extensions["simulated_ghn"] = simulated
    return extensions["simulated_ghn"]


def http(simulated):
    """What the client sends its requests with: ``requests`` itself, or a session delivering them to the fake."""
    if not simulated:
        return requests
    session = requests.Session()
    session.mount(base_url() + "/", _InProcess(current_app._get_current_object()))
    return session


def _in_process(url, payload, headers):
    """The fake's callback to the app itself, through its test client (the development server may be single)."""
    response = current_app.test_client().post(urlsplit(url).path, json=payload, headers=headers)
    return response.status_code, response.get_data(as_text=True)


class _InProcess(BaseAdapter):
    """A ``requests`` transport that hands requests for ``/simulated/ghn/…`` to the fake."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Run the fake on the request, in this thread, and wrap its answer as a ``requests.Response``."""
        with self.app.app_context():
            base = base_url()
            target = urlsplit(request.url[len(base):] or "/")
            builder = EnvironBuilder(path=target.path, base_url=base, query_string=target.query, method=request.method,
                                     headers=dict(request.headers), data=request.body)
            answer = Client(fake()).open(builder)
        response = requests.Response()
        response.status_code, response.url, response.request = answer.status_code, request.url, request
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content, response.encoding = answer.get_data(), "utf-8"  # how requests builds one itself
        return response

    def close(self):
        """Nothing to release."""
