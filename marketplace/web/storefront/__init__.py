"""The storefront area: every visitor's pages (catalogue, product, entity, province, /verify, policies, media)."""

from marketplace.web.storefront import (  # noqa: F401  (importing them attaches their routes)
    bits,
    jsonld,
    opendata,
    policies,
    review_media,
    seller,
    site,
    verify,
    views,
)
from marketplace.web.storefront.blueprint import bp

__all__ = ["bp"]
