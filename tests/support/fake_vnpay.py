"""VNPay's fake for the tests: ``marketplace/payments/simulation/vnpay.py`` served on a loopback port.

The same fake is the labelled simulation of development (mounted in the app); here it runs in its own werkzeug
server so that ``vnpay_client`` reaches it over real HTTP (its payment page, ``querydr`` and ``refund``), and its
IPNs reach the app either over HTTP (a live server: ``ipn_url``) or through the Flask test client (``through``).
"""

from contextlib import contextmanager

from marketplace.payments.simulation.vnpay import API_PATH, PAY_PATH, FakeVnpay, pipe_hash, secure_hash
from tests.support.loopback import deliver_through, serve

__all__ = ["API_PATH", "PAY_PATH", "FakeVnpay", "pipe_hash", "secure_hash", "vnpay_on"]

TMN_CODE, SECRET = "OCOPTEST", "TESTHASHSECRETFORTHEFAKEVNPAY000"


@contextmanager
def vnpay_on(app, client=None, ipn_url=None):
    """A fake VNPay on a loopback port with the app's ``VNPAY_*`` settings pointing at it; yields the fake.

    :param client: deliver the fake's IPNs through this Flask test client (else over HTTP to ``ipn_url``).
    """
    fake = FakeVnpay(TMN_CODE, SECRET, ipn_url=ipn_url or "http://localhost/webhooks/vnpay/ipn")
    if client is not None:
        fake.notify = deliver_through(client)
    names = ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL", "VNPAY_API_URL")
    saved = {name: app.config.get(name) for name in names}
    with serve(fake, "fake-vnpay") as base:
        app.config.update(VNPAY_TMN_CODE=TMN_CODE, VNPAY_HASH_SECRET=SECRET, VNPAY_PAYMENT_URL=base + PAY_PATH,
                          VNPAY_API_URL=base + API_PATH)
        fake.base_url = base
        try:
            yield fake
        finally:
            app.config.update(saved)
