"""The account area: sign-in, registration, profile, addresses, personal data, wishlist, reviews and returns."""

from marketplace.web.account import addresses, returns, reviews, views, wishlist  # noqa: F401  (importing them attaches their routes)
from marketplace.web.account.blueprint import bp

__all__ = ["bp"]
