"""The account area: sign-in, registration, passwords, profile, addresses, personal data, invitations, wishlist."""

from marketplace.web.account import addresses, views, wishlist  # noqa: F401  (importing them attaches their routes)
from marketplace.web.account.blueprint import bp

__all__ = ["bp"]
