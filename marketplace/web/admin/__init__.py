"""The admin area (/admin): users and roles, audit log, transfers, refunds, statements, background jobs, policies."""

from marketplace.web.admin import cod, finance, jobs, policies, returns, reviews, views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.admin.blueprint import bp

__all__ = ["bp"]
