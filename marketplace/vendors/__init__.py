"""The vendor area (/vendor): what an OCOP entity's members do, one blueprint with views split by topic."""

from marketplace.vendors import (  # noqa: F401  (importing them attaches their routes)
    channels,
    dashboard,
    listings,
    numbers,
    orders,
    photos,
    placements,
    profile,
    returns,
    reviews,
    shipping,
    statement,
    team,
    tokens,
)
from marketplace.vendors.blueprint import bp

__all__ = ["bp"]
