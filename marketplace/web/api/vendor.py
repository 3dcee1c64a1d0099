"""The vendor API ``/api/v1/vendor``: an entity's own shop or sales channel reads its orders and sets price and stock.

Bearer tokens only (``auth.py``): every row is loaded through the token's entity, so another entity's order or
listing answers 404; a token without the scope answers 403. Listing changes go through the listing service
(audit entry naming the token, the certificate rule, search kept in step at commit).
"""

from datetime import UTC

from flask import jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from marketplace.core.clock import today
from marketplace.core.errors import ProblemError
from marketplace.core.input import MAX_ID, NumberError, number_message, whole_number
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.registry.queries import parse_moment
from marketplace.shop.catalog import services as catalog_services
from marketplace.shop.catalog.models import Listing
from marketplace.shop.catalog.rules import listed_products
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from marketplace.shop.orders.status import ORDER_STATUSES
from marketplace.web.api.auth import per_token, token_required
from marketplace.web.api.blueprint import bp
from marketplace.web.api.serializers import vendor_listing_json, vendor_order_json

MAX_PER_PAGE, DEFAULT_PER_PAGE, MAX_PAGE = 100, 50, 1_000_000
MAX_PRICE = 10**12
#: What a PATCH may change, with its bounds.
EDITABLE = {"price_vnd": (1, MAX_PRICE), "stock": (0, MAX_ID)}


def _number(name, minimum, maximum, default):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return whole_number(raw, minimum, maximum)
    except NumberError as error:
        raise ProblemError(400, "Invalid query parameter", f"{name}: {number_message(error)}") from error


def _paging():
    """``(page, per_page)`` from the query string; 400 outside 1 … and 1 … 100."""
    return _number("page", 1, MAX_PAGE, 1), _number("per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)


def _page_of(statement, order_by, page, per_page):
    """``(rows, total, next URL or None)`` of one page of ``statement``."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)).all()
    following = None
    if page * per_page < total:
        following = url_for(request.endpoint, **{**request.args.to_dict(), "page": page + 1, "per_page": per_page})
    return rows, total, following


def _updated_since():
    raw = (request.args.get("updated_since") or "").strip()
    if not raw:
        return None
    try:
        return parse_moment(raw).astimezone(UTC)
    except ValueError as error:
        raise ProblemError(400, "Invalid query parameter",
                           "updated_since: not a date (YYYY-MM-DD) or an ISO 8601 date and time") from error


def _status():
    raw = (request.args.get("status") or "").strip()
    if raw and raw not in ORDER_STATUSES:
        raise ProblemError(400, "Invalid query parameter", f"status: one of {', '.join(ORDER_STATUSES)}")
    return raw or None


def _parts_of(token):
    return (select(VendorOrder, Order).join(Order, Order.id == VendorOrder.order_id)
            .where(VendorOrder.entity_id == token.entity_id))


@bp.get("/vendor/orders")
@per_token
@token_required("orders:read")
def vendor_orders(token):
    """The entity's parts of orders, least recently updated first; ``updated_since`` and ``status`` filter."""
    page, per_page = _paging()
    statement = _parts_of(token)
    if (since := _updated_since()) is not None:
        statement = statement.where(VendorOrder.updated_at >= since)
    if (status := _status()) is not None:
        statement = statement.where(VendorOrder.status == status)
    rows, total, following = _page_of(statement, (VendorOrder.updated_at, VendorOrder.id), page, per_page)
    return jsonify(items=[vendor_order_json(part, order) for part, order in rows], total=total, page=page,
                   per_page=per_page, next=following)


@bp.get("/vendor/orders/<int:vendor_order_id>")
@per_token
@token_required("orders:read")
def vendor_order(token, vendor_order_id):
    """One part of an order with its lines and where to ship it; another entity's is not found."""
    row = db.session.execute(_parts_of(token).where(VendorOrder.id == vendor_order_id)).first()
    if row is None:
        raise ProblemError(404, "Not Found", f"no order {vendor_order_id} of this entity")
    part, order = row
    lines = db.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == part.id)
                               .order_by(OrderLine.id)).all()
    return jsonify(vendor_order_json(part, order, lines))


def _listings_of(token):
    return (select(Listing).join(Product, Product.id == Listing.product_id).options(contains_eager(Listing.product))
            .where(Product.entity_id == token.entity_id))


def _listed_ids(listing_ids):
    """Which of these listings the storefront shows today (the one rule)."""
    if not listing_ids:
        return set()
    return set(db.session.scalars(listed_products(today()).with_only_columns(Listing.id)
                                  .where(Listing.id.in_(listing_ids))))


def _listings_json(listings):
    variants = catalog_services.variants_of([listing.id for listing in listings])
    listed = _listed_ids([listing.id for listing in listings])
    return [vendor_listing_json(listing, variants.get(listing.id, []), listing.id in listed) for listing in listings]


@bp.get("/vendor/listings")
@per_token
@token_required("orders:read", "listings:write")
def vendor_listings(token):
    """The entity's listings: price, stock, package sizes and whether the storefront shows them today."""
    page, per_page = _paging()
    rows, total, following = _page_of(_listings_of(token), (Listing.id,), page, per_page)
    return jsonify(items=_listings_json([listing for (listing,) in rows]), total=total, page=page,
                   per_page=per_page, next=following)


def _changes():
    """The JSON body's ``price_vnd`` and ``stock``: 400 for a body that is not a JSON object, 422 for bad fields."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ProblemError(400, "Bad Request", 'send a JSON object, e.g. {"price_vnd": 150000, "stock": 12}')
    problems = [f"{name}: only price_vnd and stock can be changed" for name in sorted(set(body) - set(EDITABLE))]
    if not body:
        problems.append("nothing to change: send price_vnd, stock or both")
    for name, (minimum, maximum) in EDITABLE.items():
        value = body.get(name)
        if name in body and (type(value) is not int or not minimum <= value <= maximum):
            problems.append(f"{name}: must be a whole number from {minimum} to {maximum}")
    if problems:
        raise ProblemError(422, "Unprocessable Content", "; ".join(problems))
    return body


@bp.patch("/vendor/listings/<int:listing_id>")
@per_token
@token_required("listings:write")
def update_listing(token, listing_id):
    """Set a listing's price and/or stock through the listing service; answers the listing as it is now."""
    listing = db.session.scalar(_listings_of(token).where(Listing.id == listing_id))
    if listing is None:
        raise ProblemError(404, "Not Found", f"no listing {listing_id} of this entity")
    catalog_services.save_listing(listing.product, listing, _changes(), token.actor, today())
    db.session.flush()
    return jsonify(_listings_json([listing])[0])
