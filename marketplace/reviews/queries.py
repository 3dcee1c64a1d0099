"""Read side of reviews: a product's summary and reviews, units sold, and the scoped lists each audience sees."""

from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, exists, false, func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.reviews.models import Review, ReviewPhoto, ReviewReport
from marketplace.reviews.photos import photos_for
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

PER_PAGE = 10  #: reviews per page of a product


@dataclass
class Summary:
    """A product's published reviews in figures: how many, the average (one decimal) and count per star."""

    count: int = 0
    average: float | None = None
    distribution: dict = field(default_factory=lambda: dict.fromkeys((5, 4, 3, 2, 1), 0))

    def share(self, stars):
        """The percentage of reviews giving ``stars`` (for the bars), 0 without reviews."""
        return round(100 * self.distribution[stars] / self.count) if self.count else 0


@dataclass
class ShownReview:
    """A review as pages show it: the review, its author's shown name and its ready photos."""

    review: Review
    author: str
    photos: list = field(default_factory=list)


@dataclass
class ProductReviews:
    """What a product page shows of reviews: the summary, one page of reviews and the units delivered."""

    summary: Summary
    reviews: list
    page: int
    units_sold: int

    @property
    def pages(self):
        """How many pages of reviews there are (at least 1)."""
        return max(1, -(-self.summary.count // PER_PAGE))


def summary(product_id):
    """The product's published reviews: count, average, distribution {5..1} (one query)."""
    rows = db.session.execute(select(Review.rating, func.count()).where(
        Review.product_id == product_id, Review.status == "published").group_by(Review.rating)).all()
    found = Summary()
    for rating, count in rows:
        found.distribution[rating] = count
    found.count = sum(found.distribution.values())
    if found.count:
        found.average = round(sum(stars * n for stars, n in found.distribution.items()) / found.count, 1)
    return found


#: Units of a product in delivered vendor orders, built once (every product page asks; the id is a parameter).
_UNITS_SOLD = (select(func.coalesce(func.sum(OrderLine.quantity), 0))
               .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
               .where(OrderLine.product_id == bindparam("product_id"), VendorOrder.status == "delivered"))


def units_sold(product_id):
    """Units of the product in delivered vendor orders (one query)."""
    return db.session.scalar(_UNITS_SOLD, {"product_id": product_id})


def shown_name(name):
    """The author as others see them: the given name (the last word of a Vietnamese name), else "a buyer"."""
    words = (name or "").split()
    return words[-1] if words else None


def published_reviews(product_id, page=1):
    """One page of the product's published reviews, those with photos first, newest first (two queries)."""
    with_photo = exists().where(ReviewPhoto.review_id == Review.id, ReviewPhoto.status == "ready")
    rows = db.session.execute(
        select(Review, User.name).join(User, User.id == Review.user_id)
        .where(Review.product_id == product_id, Review.status == "published")
        .order_by(with_photo.desc(), Review.created_at.desc(), Review.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    photos = photos_for([review.id for review, _name in rows], ready=True)
    return [ShownReview(review, shown_name(name), photos.get(review.id, [])) for review, name in rows]


def for_product_page(product_id, listing, page=1):
    """The product page's reviews: units sold always (one query); summary and reviews when there are some (three)."""
    sold = units_sold(product_id)
    if listing is None or not listing.rating_count:
        return ProductReviews(Summary(), [], 1, sold)
    found = summary(product_id)
    page = min(max(page, 1), max(1, -(-found.count // PER_PAGE)))
    return ProductReviews(found, published_reviews(product_id, page), page, sold)


# --- scoped lists ----------------------------------------------------------------------------------------------

def buyer_lines(user):
    """SELECT of (OrderLine, VendorOrder, Order) of ``user``'s own orders (nothing for guests' orders)."""
    return (select(OrderLine, VendorOrder, Order).join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
            .join(Order, Order.id == VendorOrder.order_id).where(Order.user_id == user.id))


def buyer_line_or_none(user, line_id):
    """``(line, part, order)`` of ``user``'s own order line ``line_id``, else None."""
    return db.session.execute(buyer_lines(user).where(OrderLine.id == line_id)).first()


def review_of_line(line_id):
    """The review of an order line, or None."""
    return db.session.scalar(select(Review).where(Review.order_line_id == line_id))


def buyer_page(user):
    """``(to_review, reviewed)``: ``user``'s delivered lines without a review, and their reviews with lines."""
    reviewed = db.session.execute(
        select(Review, OrderLine, Order.reference).join(OrderLine, OrderLine.id == Review.order_line_id)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id).join(Order, Order.id == VendorOrder.order_id)
        .where(Review.user_id == user.id).order_by(Review.created_at.desc(), Review.id.desc())).all()
    waiting = db.session.execute(
        buyer_lines(user).with_only_columns(OrderLine, Order.reference)
        .outerjoin(Review, Review.order_line_id == OrderLine.id)
        .where(VendorOrder.status == "delivered", OrderLine.product_id.is_not(None), Review.id.is_(None))
        .order_by(OrderLine.id.desc()).limit(100)).all()
    return waiting, reviewed


def own_reviews(user):
    """SELECT of ``user``'s own reviews."""
    return select(Review).where(Review.user_id == user.id)


def shown_reviews():
    """SELECT of the reviews anyone may see (and report): published, or hidden pending a decision."""
    return select(Review).where(Review.status.in_(("published", "hidden")))


def vendor_reviews(user):
    """SELECT of the published and hidden reviews of the products of ``user``'s entity; nothing for others."""
    membership = user.membership if user.is_authenticated else None
    query = select(Review).join(Product, Product.id == Review.product_id).where(
        Review.status.in_(("published", "hidden")))
    if membership is None:
        return query.where(false())
    return query.where(Product.entity_id == membership.entity_id)


def vendor_page(user, limit=200):
    """(Review, product name, author) of ``user``'s entity's products, newest first, with their ready photos."""
    rows = db.session.execute(
        vendor_reviews(user).add_columns(Product.name, User.name).join(User, User.id == Review.user_id)
        .order_by(Review.reply.is_not(None), Review.created_at.desc(), Review.id.desc()).limit(limit)).all()
    photos = photos_for([row[0].id for row in rows], ready=True)
    return [(ShownReview(review, shown_name(author), photos.get(review.id, [])), name)
            for review, name, author in rows]


def moderation_queue(limit=200):
    """Reviews waiting for an admin: held, hidden, or shown with open reports; oldest first, with their reports."""
    open_report = exists().where(ReviewReport.review_id == Review.id, ReviewReport.resolved_at.is_(None))
    rows = db.session.execute(
        select(Review, Product.name, Product.slug, User.email).join(Product, Product.id == Review.product_id)
        .join(User, User.id == Review.user_id)
        .where((Review.status.in_(("held", "hidden"))) | and_(Review.status == "published", open_report))
        .order_by(Review.updated_at, Review.id).limit(limit)).all()
    ids = [row[0].id for row in rows]
    reports = {}
    if ids:
        for report, email in db.session.execute(
                select(ReviewReport, User.email).join(User, User.id == ReviewReport.user_id)
                .where(ReviewReport.review_id.in_(ids), ReviewReport.resolved_at.is_(None))
                .order_by(ReviewReport.id)):
            reports.setdefault(report.review_id, []).append((report, email))
    photos = photos_for(ids)
    return [(review, name, slug, email, reports.get(review.id, []), photos.get(review.id, []))
            for review, name, slug, email in rows]


def moderation_candidates():
    """SELECT of the reviews an admin may decide on (every one but those already removed)."""
    return select(Review).where(Review.status != "removed")
