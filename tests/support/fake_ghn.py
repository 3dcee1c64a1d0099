"""GHN's fake for the tests: ``marketplace/shipping/simulation/ghn.py`` served on a loopback port.

The same fake is the labelled simulation of development (mounted in the app); here it runs in its own werkzeug
server so that ``ghn_client`` reaches it over real HTTP, and its callbacks reach ``/webhooks/ghn`` either over HTTP
(a live server: ``webhook_url``) or through the Flask test client (``client``).
"""

from contextlib import contextmanager

from flask import has_app_context

from marketplace.shipping.simulation.ghn import API, PRINT_PATH, WEBHOOK_HEADER, FakeGhn
from tests.support.loopback import serve

__all__ = ["API", "PRINT_PATH", "SECRET", "SHOP_ID", "TOKEN", "WEBHOOK_HEADER", "FakeGhn", "ghn_on"]

TOKEN, SHOP_ID, SECRET = "test-ghn-token-0000", "885", "test-ghn-webhook-secret"
NAMES = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_URL", "GHN_WEBHOOK_SECRET")


def through(client):
    """A fake's ``notify`` that hands its callback to the app through the Flask test ``client``."""
    def notify(url, payload, headers):
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        if has_app_context():
            response = client.post("/" + path, json=payload, headers=headers)
        else:  # the fake's own server thread (a desk button pressed over HTTP)
            with client.application.app_context():
                response = client.post("/" + path, json=payload, headers=headers)
        return response.status_code, response.get_json(silent=True)
    return notify


@contextmanager
def ghn_on(app, client=None, webhook_url=None):
    """A fake GHN on a loopback port with the app's ``GHN_*`` settings pointing at it; yields the fake.

    :param client: deliver the fake's callbacks through this Flask test client (else over HTTP to ``webhook_url``).
    """
    fake = FakeGhn(TOKEN, SHOP_ID, webhook_url or "http://localhost/webhooks/ghn", SECRET)
    if client is not None:
        fake.notify = through(client)
    saved = {name: app.config.get(name) for name in NAMES}
    with serve(fake, "fake-ghn") as base:
        app.config.update(GHN_TOKEN=TOKEN, GHN_SHOP_ID=SHOP_ID, GHN_API_URL=base + API, GHN_WEBHOOK_SECRET=SECRET)
        fake.base_url = base
        try:
            yield fake
        finally:
            app.config.update(saved)
