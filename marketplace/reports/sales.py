"""The vendor's numbers: product views, and aggregates over one entity's sales (one SQL query each).

Days are Vietnam days (Asia/Ho_Chi_Minh): an order counts on the date its customer order was created there.
Three measures are kept apart, each the goods' value in whole đồng (the vendor order's subtotal, without shipping):
*placed* (every part not cancelled or refunded), *paid* (the money arrived: paid online, or cash on delivery once
delivered — an unpaid cash-on-delivery order is not revenue yet) and *delivered*. Top products and conversion count
placed parts.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.core import pending
from marketplace.core.clock import TIMEZONE
from marketplace.core.dates import add_months
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.shop.catalog.models import Listing, ProductView
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

#: Parts that count as placed: everything but cancelled and refunded.
COUNTED_STATUSES = ("pending_payment", "paid", "processing", "shipped", "delivered")
#: Statuses of a part whose money has arrived whatever the method; others count as paid unless cash on delivery.
PAID_STATUSES = ("paid", "delivered")
ON_THE_WAY = ("processing", "shipped")
#: What ``sales_series`` counts per bucket: parts and their goods' value, placed, paid and delivered.
MEASURES = ("placed", "placed_vnd", "paid", "paid_vnd", "delivered", "delivered_vnd")
BUCKETS = ("day", "week", "month")
#: Words in a User-Agent that mark a crawler, whose visits are not counted as views.
BOT_MARKERS = ("bot", "spider", "crawl")


def is_bot(user_agent):
    """True when a User-Agent string looks like a crawler's ("bot", "spider", "crawl", any case)."""
    text = (user_agent or "").lower()
    return any(marker in text for marker in BOT_MARKERS)


#: The pending writes' kind holding product views (core/pending.py): ``"<day>:<product id>"`` → views.
VIEWS = "product_views"


def note_view(product_id, day, app=None):
    """Count one view of a product on ``day``, written later (core/pending); returns the number of writes waiting.

    ``app``: the application, when called outside its context (the page cache's fast path).
    """
    return pending.count(VIEWS, f"{day.isoformat()}:{product_id}", app=app)


def count_view(product_id, day, views=1):
    """Add ``views`` of a product on ``day``: one ``INSERT ... ON CONFLICT DO UPDATE`` (the caller commits)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ProductView).values(product_id=product_id, day=day, views=views)
    statement = statement.on_conflict_do_update(index_elements=[ProductView.product_id, ProductView.day],
                                                set_={"views": ProductView.views + views})
    db.session.execute(statement)


def store_views(taken):
    """Write views taken from core/pending (``{"<day>:<product id>": views}``); deleted products are skipped."""
    if not taken:
        return
    counts = {}
    for key, views in taken.items():
        day, _, product_id = key.partition(":")
        counts[(date.fromisoformat(day), int(product_id))] = views
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_({pid for _day, pid in counts}))))
    for (day, product_id), views in sorted(counts.items()):
        if product_id in known:
            count_view(product_id, day, views)


# -- periods and buckets ---------------------------------------------------------------------------------------

def bucket_start(day, bucket):
    """The first day of the bucket holding ``day``: itself, its week's Monday, or its month's first day."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown bucket {bucket!r}")


def next_bucket(start, bucket):
    """The first day of the bucket after the one starting on ``start``."""
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    return add_months(start, 1)


def period_window(period, day):
    """``(start, end)`` dates for a period ending on ``day``: 30 days, 12 weeks (from Monday) or 12 months."""
    if period == "day":
        return day - timedelta(days=29), day
    if period == "week":
        return bucket_start(day, "week") - timedelta(weeks=11), day
    if period == "month":
        return add_months(day.replace(day=1), -11), day
    raise ValueError(f"unknown period {period!r}")


def _bounds(start, end):
    """The UTC instants where Vietnam day ``start`` begins and the day after ``end`` begins."""
    def midnight(day):
        return datetime.combine(day, time(0), tzinfo=TIMEZONE).astimezone(UTC)

    return midnight(start), midnight(end + timedelta(days=1))


def _local_day(column):
    """SQL for the Vietnam date of a UTC timestamp column (constants inlined so GROUP BY matches the SELECT)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'Asia/Ho_Chi_Minh'"), column), Date)
    # SQLite keeps timestamps as UTC text; Vietnam has been UTC+7 without daylight saving since 1975.
    return func.date(column, literal_column("'+7 hours'"))


def _as_date(value):
    return value if not isinstance(value, str) else datetime.strptime(value[:10], "%Y-%m-%d").date()


def _counted_sales(entity_id, start, end):
    """Conditions selecting an entity's counted vendor orders placed from ``start`` to ``end`` (Vietnam days)."""
    low, high = _bounds(start, end)
    return (VendorOrder.entity_id == entity_id, VendorOrder.status.in_(COUNTED_STATUSES),
            Order.created_at >= low, Order.created_at < high)


# -- aggregates ------------------------------------------------------------------------------------------------

def is_paid():
    """SQL: the part's money has arrived (paid online, or cash on delivery collected at delivery)."""
    return or_(VendorOrder.status.in_(PAID_STATUSES),
               and_(VendorOrder.status.in_(ON_THE_WAY), Order.payment_method != "cod"))


def _day_rows(entity_id, start, end):
    """One row per Vietnam day with placed parts: day, then (count, value) placed, paid and delivered."""
    day = _local_day(Order.created_at).label("day")
    paid, delivered = is_paid(), VendorOrder.status == "delivered"
    value = VendorOrder.subtotal_vnd
    return db.session.execute(
        select(day, func.count(VendorOrder.id), func.coalesce(func.sum(value), 0),
               func.sum(case((paid, 1), else_=0)), func.sum(case((paid, value), else_=0)),
               func.sum(case((delivered, 1), else_=0)), func.sum(case((delivered, value), else_=0)))
        .join(Order, Order.id == VendorOrder.order_id).where(*_counted_sales(entity_id, start, end))
        .group_by(day)).all()


def sales_series(entity_id, start, end, bucket="day"):
    """``[(bucket start, {measure: value})]`` for every bucket from ``start`` to ``end``, zeros included.

    The measures are ``MEASURES``: parts and goods' value placed, paid and delivered. One query returns a row per
    Vietnam day with sales; days are gathered into weeks or months here, which keeps the SQL
    the same on SQLite and PostgreSQL.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    totals = {}
    cursor = bucket_start(start, bucket)
    while cursor <= end:
        totals[cursor] = dict.fromkeys(MEASURES, 0)
        cursor = next_bucket(cursor, bucket)
    for sold_on, *values in _day_rows(entity_id, start, end):
        total = totals[bucket_start(_as_date(sold_on), bucket)]
        for measure, value in zip(MEASURES, values, strict=True):
            total[measure] += int(value or 0)
    return list(totals.items())


def revenue_series(entity_id, start, end, bucket="day"):
    """``[(bucket start, paid orders, paid revenue đồng)]``: revenue is money received, not orders placed."""
    return [(first, total["paid"], total["paid_vnd"]) for first, total in sales_series(entity_id, start, end, bucket)]


def series_totals(series):
    """The measures of a ``sales_series`` summed over all its buckets."""
    return {measure: sum(total[measure] for _first, total in series) for measure in MEASURES}


def top_products(entity_id, start, end, limit=10):
    """The best-selling products by revenue: ``{"name", "units", "revenue"}`` from the lines as sold."""
    units = func.sum(OrderLine.quantity).label("units")
    revenue = func.sum(OrderLine.quantity * OrderLine.unit_price_vnd).label("revenue")
    rows = db.session.execute(
        select(OrderLine.product_name, units, revenue)
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id).join(Order, Order.id == VendorOrder.order_id)
        .where(*_counted_sales(entity_id, start, end))
        .group_by(OrderLine.product_id, OrderLine.product_name)
        .order_by(revenue.desc(), units.desc(), OrderLine.product_name).limit(limit)).all()
    return [{"name": name, "units": int(sold), "revenue": int(money)} for name, sold, money in rows]


def views_and_conversion(entity_id, start, end):
    """Per product of the entity: views, orders containing it, units, and conversion = orders / views.

    Conversion is None when the product was not viewed. Most viewed first.
    """
    seen = (select(ProductView.product_id, func.sum(ProductView.views).label("views"))
            .join(Product, Product.id == ProductView.product_id)
            .where(Product.entity_id == entity_id, ProductView.day >= start, ProductView.day <= end)
            .group_by(ProductView.product_id).subquery())
    sold = (select(OrderLine.product_id, func.count(func.distinct(VendorOrder.id)).label("orders"),
                   func.sum(OrderLine.quantity).label("units"))
            .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
            .join(Order, Order.id == VendorOrder.order_id)
            .where(*_counted_sales(entity_id, start, end)).group_by(OrderLine.product_id).subquery())
    views = func.coalesce(seen.c.views, 0)
    orders = func.coalesce(sold.c.orders, 0)
    rows = db.session.execute(
        select(Product.id, Product.name, Product.slug, views, orders, func.coalesce(sold.c.units, 0))
        .outerjoin(seen, seen.c.product_id == Product.id).outerjoin(sold, sold.c.product_id == Product.id)
        .where(Product.entity_id == entity_id)
        .order_by(views.desc(), orders.desc(), Product.name, Product.id)).all()
    return [{"product_id": product_id, "name": name, "slug": slug, "views": int(viewed), "orders": int(ordered),
             "units": int(units), "conversion": ordered / viewed if viewed else None}
            for product_id, name, slug, viewed, ordered, units in rows]


def stock_alerts(entity_id, threshold=5):
    """Published listings with at most ``threshold`` units left, out of stock first: ``{"name", "slug", "stock"}``."""
    rows = db.session.execute(
        select(Product.name, Product.slug, Listing.stock).join(Listing, Listing.product_id == Product.id)
        .where(Product.entity_id == entity_id, Listing.published.is_(True), Listing.stock <= threshold)
        .order_by(Listing.stock, Product.name)).all()
    return [{"name": name, "slug": slug, "stock": stock} for name, slug, stock in rows]
