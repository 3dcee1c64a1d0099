"""The public JSON API (/api/v1, contract §4); errors are application/problem+json."""

from marketplace.web.api import views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.api.blueprint import bp

__all__ = ["bp"]
