"""The public JSON API (/api/v1, contract §4) and the vendor API (/api/v1/vendor, bearer tokens).

Errors are application/problem+json. ``openapi.json`` describes every route (served at /api/v1/openapi.json).
"""

from marketplace.web.api import spec, vendor, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.api.blueprint import bp

__all__ = ["bp"]
