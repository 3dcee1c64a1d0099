"""Webhooks from outside providers (Stripe): verified signatures, idempotent."""

from marketplace.web.webhooks import views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.webhooks.blueprint import bp

__all__ = ["bp"]
