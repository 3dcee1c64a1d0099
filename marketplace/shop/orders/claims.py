"""A guest's orders join the account of the same e-mail address, once the account has proved that address.

Only a verified address claims orders: anyone can register someone else's address, so registering alone links
nothing. Called after the verification link is opened and at each sign-in of a verified account (flush only).
"""

from sqlalchemy import func, update

from marketplace.core import audit
from marketplace.extensions import db
from marketplace.shop.orders.models import Order


def claim_guest_orders(user):
    """Link the guest orders placed with ``user``'s verified e-mail (compared case-insensitively) to ``user``.

    Orders of other accounts are never moved. Returns how many orders were linked (0 when the address is not
    verified).
    """
    if user.email_verified_at is None or not user.is_active:
        return 0
    email = user.email.strip().lower()
    references = db.session.scalars(
        update(Order).where(Order.user_id.is_(None), func.lower(func.trim(Order.email)) == email)
        .values(user_id=user.id).returning(Order.reference).execution_options(synchronize_session=False)).all()
    if references:
        audit.record(user.email, "order.claimed", user, after={"references": sorted(references)})
    return len(references)
