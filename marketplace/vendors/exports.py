"""Downloads for vendors: their listings and their orders, as CSV or XLSX."""

from flask import Response
from sqlalchemy import select

from marketplace.core.tabular import XLSX_TYPE, csv_bytes, xlsx_bytes
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

LISTING_COLUMNS = ("product", "certificate_number", "price_vnd", "stock", "unit", "published")
ORDER_COLUMNS = ("order", "date", "status", "product", "variant", "quantity", "unit_price_vnd", "shipping_vnd",
                 "carrier", "tracking_number")


def listing_rows(entity_id):
    """The entity's listings, in the columns of the listing import file (so they can be edited and re-imported)."""
    rows = db.session.execute(select(Product, Listing).join(Listing, Listing.product_id == Product.id)
                              .where(Product.entity_id == entity_id).order_by(Product.name)).all()
    numbers = {}
    for certificate in db.session.scalars(select(Certificate).where(
            Certificate.product_id.in_([product.id for product, _ in rows])).order_by(Certificate.valid_from)):
        numbers[certificate.product_id] = certificate.number  # the newest certificate wins
    return [{"product": product.name, "certificate_number": numbers.get(product.id, ""), "price_vnd": listing.price_vnd,
             "stock": listing.stock, "unit": listing.unit or "", "published": "yes" if listing.published else "no"}
            for product, listing in rows]


def order_rows(entity_id):
    """One row per order line of the entity's vendor orders, newest first."""
    rows = db.session.execute(select(VendorOrder, Order, OrderLine).join(Order, Order.id == VendorOrder.order_id)
                              .join(OrderLine, OrderLine.vendor_order_id == VendorOrder.id)
                              .where(VendorOrder.entity_id == entity_id).order_by(VendorOrder.id.desc())).all()
    return [{"order": order.reference, "date": order.created_at.date().isoformat(), "status": part.status,
             "product": line.product_name, "variant": line.variant_label or "", "quantity": line.quantity,
             "unit_price_vnd": line.unit_price_vnd,
             "shipping_vnd": part.shipping_vnd, "carrier": part.carrier or "",
             "tracking_number": part.tracking_number or ""} for part, order, line in rows]


def download(rows, columns, filename, fmt):
    """``rows`` as a CSV (UTF-8 with BOM, for Excel) or XLSX attachment, cells made safe for spreadsheets."""
    section = [(None, list(columns), [[row[column] for column in columns] for row in rows])]
    if fmt == "xlsx":
        body, mimetype = xlsx_bytes(section), XLSX_TYPE
    else:
        body, mimetype = csv_bytes(section), "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}.{fmt}"
    return response
