"""A signed-in buyer's wishlist and the products they viewed lately (in the session and stored).

Both hold product ids only; what is shown is re-read through ``catalog.queries.load_card_data``, i.e. the storefront
rule: a product whose certificate lapsed stays in the list but is not shown until it is listed again.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint, bindparam, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.accounts.models import User
from marketplace.core import clock, pending
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.shop.catalog.queries import load_card_data

#: How many products "recently viewed" keeps.
RECENT_LIMIT = 10
#: Where a visitor's recently viewed product ids are kept (newest first).
SESSION_KEY = "recently_viewed"
#: The most products one wishlist holds.
WISHLIST_LIMIT = 200


class WishlistItem(db.Model):
    """A product a buyer keeps for later."""

    __tablename__ = "wishlist_item"
    __table_args__ = (UniqueConstraint("user_id", "product_id", name="uq_wishlist_item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  #: when it was added (newest first)


class RecentlyViewed(db.Model):
    """A product a signed-in buyer looked at lately (at most ``RECENT_LIMIT`` per buyer)."""

    __tablename__ = "recently_viewed"
    __table_args__ = (UniqueConstraint("user_id", "product_id", name="uq_recently_viewed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  #: the last view


def _wished(user_id, product_id):
    return select(WishlistItem).where(WishlistItem.user_id == user_id, WishlistItem.product_id == product_id)


#: Whether a product is on a buyer's wishlist, built once (the heart on every product page; values are parameters).
_IS_WISHED = _wished(bindparam("user_id"), bindparam("product_id")).with_only_columns(WishlistItem.id)


def is_wished(user, product_id):
    """True when ``product_id`` is on the signed-in ``user``'s wishlist (one query; False for visitors)."""
    if not user.is_authenticated:
        return False
    return db.session.scalar(_IS_WISHED, {"user_id": user.id, "product_id": product_id}) is not None


def add(user, product_id):
    """Put a product on the wishlist (nothing happens when it is there already or does not exist)."""
    if db.session.get(Product, product_id) is None or db.session.scalar(_wished(user.id, product_id)):
        return
    count = db.session.scalar(select(func.count()).where(WishlistItem.user_id == user.id))
    if count >= WISHLIST_LIMIT:
        oldest = select(WishlistItem.id).where(WishlistItem.user_id == user.id).order_by(WishlistItem.added_at)
        db.session.execute(delete(WishlistItem).where(WishlistItem.id == oldest.limit(1).scalar_subquery()))
    db.session.add(WishlistItem(user_id=user.id, product_id=product_id, added_at=clock.now()))
    db.session.flush()


def remove(user, product_id):
    """Take a product off the wishlist."""
    db.session.execute(delete(WishlistItem).where(WishlistItem.user_id == user.id,
                                                  WishlistItem.product_id == product_id))


def wishlist_cards(user, day):
    """The wishlist's products that are listed on ``day``, newest first, as cards (three queries)."""
    ids = db.session.scalars(select(WishlistItem.product_id).where(WishlistItem.user_id == user.id)
                             .order_by(WishlistItem.added_at.desc(), WishlistItem.id.desc())).all()
    return load_card_data(list(ids), day)


#: The pending writes' kind holding signed-in buyers' views (core/pending.py): ``"<user id>:<product id>:<when>"``.
VIEWS = "recently_viewed"


def note_view(user, session, product_id):
    """Note a signed-in buyer's product view without writing the database: in the session, stored later.

    Returns the number of writes waiting (core/pending). Visitors' views are kept by their browser (localStorage,
    static/js/session-bits.js), so that their product pages stay the same for everyone: 0, nothing written.
    """
    if not user.is_authenticated:
        return 0
    recent = [product_id, *(i for i in session.get(SESSION_KEY, []) if i != product_id)]
    session[SESSION_KEY] = recent[:RECENT_LIMIT]
    return pending.note(VIEWS, f"{user.id}:{product_id}:{clock.now().isoformat()}")


def store_views(taken):
    """Write buyers' views taken from core/pending (``"<user>:<product>:<when>"``); deleted users or products skip.

    Only a buyer's latest view of each product is kept, so the views are first folded to that: a flush costs three
    statements per buyer (delete the products seen again, insert them, trim to ``RECENT_LIMIT``), not per view.
    """
    if not taken:
        return
    latest = {}  # (user, product): (when, order of the note), the later note winning a tie of the clock
    for order, text in enumerate(taken):
        user_id, product_id, when = text.split(":", 2)
        key, seen = (int(user_id), int(product_id)), (datetime.fromisoformat(when), order)
        if key not in latest or seen > latest[key]:
            latest[key] = seen
    users = set(db.session.scalars(select(User.id).where(User.id.in_({user for user, _p in latest}))))
    products = set(db.session.scalars(select(Product.id).where(Product.id.in_({p for _u, p in latest}))))
    by_user = defaultdict(dict)
    for (user_id, product_id), seen in latest.items():
        if user_id in users and product_id in products:
            by_user[user_id][product_id] = seen
    for user_id, views in sorted(by_user.items()):
        newest = sorted(views.items(), key=lambda item: item[1], reverse=True)[:RECENT_LIMIT]
        _store_views_of(user_id, [(product_id, at) for product_id, (at, _order) in reversed(newest)])


def _store_views_of(user_id, views):
    """Keep one buyer's ``[(product id, viewed at)]`` (oldest first), replacing earlier views of those products."""
    db.session.execute(delete(RecentlyViewed).where(RecentlyViewed.user_id == user_id,
                                                    RecentlyViewed.product_id.in_([p for p, _at in views])))
    db.session.execute(insert(RecentlyViewed), [{"user_id": user_id, "product_id": product_id, "viewed_at": at}
                                                for product_id, at in views])
    _trim(user_id)


def remember_view(user, session, product_id):
    """Note a product view now: in the session for visitors, in ``recently_viewed`` for signed-in buyers."""
    if not user.is_authenticated:
        recent = [product_id, *(i for i in session.get(SESSION_KEY, []) if i != product_id)]
        session[SESSION_KEY] = recent[:RECENT_LIMIT]
        return
    _store_view(user.id, product_id, clock.now())


def _store_view(user_id, product_id, at):
    """Keep a buyer's view of a product made ``at`` (one row per product, the newest ``RECENT_LIMIT``)."""
    db.session.execute(delete(RecentlyViewed).where(RecentlyViewed.user_id == user_id,
                                                    RecentlyViewed.product_id == product_id))
    db.session.add(RecentlyViewed(user_id=user_id, product_id=product_id, viewed_at=at))
    db.session.flush()
    _trim(user_id)


def _trim(user_id):
    """Keep only the newest ``RECENT_LIMIT`` views of a buyer."""
    kept = (select(RecentlyViewed.id).where(RecentlyViewed.user_id == user_id)
            .order_by(RecentlyViewed.viewed_at.desc(), RecentlyViewed.id.desc()).limit(RECENT_LIMIT))
    db.session.execute(delete(RecentlyViewed).where(RecentlyViewed.user_id == user_id,
                                                    RecentlyViewed.id.not_in(kept.scalar_subquery())))


def recent_ids(user, session):
    """Recently viewed product ids, newest first: this session's, then (for buyers) the stored ones."""
    seen = [i for i in session.get(SESSION_KEY, []) if isinstance(i, int)][:RECENT_LIMIT]
    if not user.is_authenticated:
        return seen
    stored = db.session.scalars(select(RecentlyViewed.product_id).where(RecentlyViewed.user_id == user.id)
                                .order_by(RecentlyViewed.viewed_at.desc(), RecentlyViewed.id.desc())
                                .limit(RECENT_LIMIT))
    return [*seen, *(i for i in stored if i not in seen)][:RECENT_LIMIT]


def recent_cards(user, session, day, leave_out=None):
    """Recently viewed products that are listed on ``day`` (``leave_out``: the product on screen), as cards."""
    ids = [i for i in recent_ids(user, session) if i != leave_out]
    return load_card_data(ids, day)


def merge_on_login(user, product_ids):
    """Carry a visitor's recently viewed ``product_ids`` (newest first) into the account at sign-in."""
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
    for product_id in reversed(product_ids):
        if product_id in known:
            remember_view(user, {}, product_id)


def export(user):
    """The ``user``'s wishlist and recently viewed products, newest first, as JSON-ready data.

    Every row kept is exported, listed or not: it is what the personal-data download shows.
    """
    wished = db.session.execute(select(WishlistItem.added_at, Product.id, Product.name)
                                .join(Product, Product.id == WishlistItem.product_id)
                                .where(WishlistItem.user_id == user.id)
                                .order_by(WishlistItem.added_at.desc(), WishlistItem.id.desc())).all()
    viewed = db.session.execute(select(RecentlyViewed.viewed_at, Product.id, Product.name)
                                .join(Product, Product.id == RecentlyViewed.product_id)
                                .where(RecentlyViewed.user_id == user.id)
                                .order_by(RecentlyViewed.viewed_at.desc(), RecentlyViewed.id.desc())).all()
    return {
        "wishlist": [{"product_id": pid, "product": name, "added_at": at.isoformat()} for at, pid, name in wished],
        "recently_viewed": [{"product_id": pid, "product": name, "viewed_at": at.isoformat()}
                            for at, pid, name in viewed],
    }


def forget(user):
    """Erase the ``user``'s wishlist and recently viewed products (account deletion)."""
    db.session.execute(delete(WishlistItem).where(WishlistItem.user_id == user.id))
    db.session.execute(delete(RecentlyViewed).where(RecentlyViewed.user_id == user.id))
