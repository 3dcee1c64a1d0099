"""Marketplace money: the platform's commission on each delivered vendor order, and what it owes each entity."""


from flask import Response, current_app
from sqlalchemy import select

from marketplace.core.tabular import csv_bytes
from marketplace.extensions import db
from marketplace.shop.orders.models import Order, VendorOrder

COLUMNS = ("order", "vendor_order", "entity", "gross_vnd", "commission_vnd", "net_vnd", "payment_method", "status")


def commission(gross_vnd):
    """The platform's commission on ``gross_vnd`` (config COMMISSION_RATE), in whole đồng, rounded down."""
    return int(gross_vnd * current_app.config["COMMISSION_RATE"])


def rows(entity_id=None):
    """One row per delivered vendor order: gross (goods + shipping), commission, net owed to the entity."""
    query = (select(VendorOrder, Order).join(Order, Order.id == VendorOrder.order_id)
             .where(VendorOrder.status == "delivered").order_by(VendorOrder.id))
    if entity_id is not None:
        query = query.where(VendorOrder.entity_id == entity_id)
    result = []
    for part, order in db.session.execute(query).all():
        gross = part.subtotal_vnd + part.shipping_vnd
        cut = commission(part.subtotal_vnd)
        result.append({"order": order.reference, "vendor_order": part.id, "entity": part.entity_name,
                       "gross_vnd": gross, "commission_vnd": cut, "net_vnd": gross - cut,
                       "payment_method": order.payment_method, "status": part.status})
    return result


def statement_response(data, filename):
    """The rows as a UTF-8 CSV download (Excel-friendly BOM)."""
    rows = [[row.get(column) for column in COLUMNS] for row in data]
    response = Response(csv_bytes([(None, list(COLUMNS), rows)]), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response
