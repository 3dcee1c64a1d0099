"""The showroom area (/showroom): staff check and manage what is on their shelves."""

from marketplace.web.showroom import views  # noqa: F401  (importing them attaches their routes)
from marketplace.web.showroom.blueprint import bp

__all__ = ["bp"]
