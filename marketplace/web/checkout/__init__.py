"""The checkout area: basket, checkout, the buyer's orders and the simulated card page."""

from marketplace.web.checkout import simulated, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.checkout.blueprint import bp

__all__ = ["bp"]
