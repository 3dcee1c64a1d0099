"""The admin area (/admin): users and roles, audit log, transfers, refunds, statements."""

from marketplace.web.admin import views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.admin.blueprint import bp

__all__ = ["bp"]
