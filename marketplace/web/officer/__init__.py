"""The officer area (/officer): entity applications, the registry, the programme dashboard."""

from marketplace.web.officer import applications, programme, registry  # noqa: F401  (importing them attaches their routes)
from marketplace.web.officer.blueprint import bp

__all__ = ["bp"]
