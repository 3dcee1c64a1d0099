"""The storefront area: every visitor's pages (catalogue, product, entity, province, /verify, media, liveness)."""

from marketplace.web.storefront import site, verify, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.storefront.blueprint import bp

__all__ = ["bp"]
