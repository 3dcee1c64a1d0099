"""The checkout area: basket, checkout, the buyer's orders, paying through a gateway and the simulated pages."""

from marketplace.web.checkout import confirm, gateways, simulated, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.checkout.blueprint import bp

__all__ = ["bp"]
