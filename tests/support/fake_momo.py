"""MoMo's fake for the tests: ``marketplace/payments/simulation/momo.py`` served on a loopback port.

The same fake is the labelled simulation of development (mounted in the app); here it runs in its own werkzeug
server so that ``momo_client`` reaches it over real HTTP (create, query, refund, and the payment page), and its IPNs
reach the app over HTTP (the ``ipnUrl`` the app sent) or through the Flask test client (``client``).
"""

from contextlib import contextmanager

from marketplace.payments.simulation.momo import FakeMomo, momo_signature
from tests.support.loopback import deliver_through, serve

__all__ = ["FakeMomo", "momo_on", "momo_signature"]

PARTNER_CODE, ACCESS_KEY, SECRET = "MOMOOCOPTEST", "testAccessKey01", "TestSecretKeyForTheFakeMoMo00000"


@contextmanager
def momo_on(app, client=None):
    """A fake MoMo on a loopback port with the app's ``MOMO_*`` settings pointing at it; yields the fake.

    :param client: deliver the fake's IPNs through this Flask test client (else over HTTP to the ``ipnUrl``).
    """
    fake = FakeMomo(PARTNER_CODE, ACCESS_KEY, SECRET)
    if client is not None:
        fake.notify = deliver_through(client)
    names = ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY", "MOMO_API_URL")
    saved = {name: app.config.get(name) for name in names}
    with serve(fake, "fake-momo") as base:
        app.config.update(MOMO_PARTNER_CODE=PARTNER_CODE, MOMO_ACCESS_KEY=ACCESS_KEY, MOMO_SECRET_KEY=SECRET,
                          MOMO_API_URL=base)
        fake.base_url = base
        try:
            yield fake
        finally:
            app.config.update(saved)
