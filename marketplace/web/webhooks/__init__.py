"""Webhooks from outside providers (Stripe, VNPay, MoMo, the carrier GHN): verified, idempotent."""

from marketplace.web.webhooks import gateways, ghn, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.webhooks.blueprint import bp

__all__ = ["bp"]
