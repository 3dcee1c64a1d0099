"""The storefront area: every visitor's pages (catalogue, product, entity, province, /verify, policies, media)."""

from marketplace.web.storefront import policies, site, verify, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.storefront.blueprint import bp

__all__ = ["bp"]
