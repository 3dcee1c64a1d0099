"""The way back: a carrier's order from the buyer to the producer, for goods that came by the carrier (flush only).

Only ``shipping/ghn_client.py`` speaks to the carrier; the return parcel is the outward one reversed (the buyer's
address to the producer's pick-up), paid by the shop, with nothing to collect.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.returns.models import CaseLine
from marketplace.shipping import ghn_client
from marketplace.shipping import services as shipping
from marketplace.shop.orders.models import Order, OrderLine


def came_by_carrier(part):
    """True when ``part`` was handed to the carrier (a return label can then be made)."""
    return bool(shipping.carrier_code_of(part.id))


def create_return_parcel(case, part):
    """Ask the carrier for the return parcel of ``case``; keep its code on the case. Refused when it cannot."""
    settings = ghn_client.settings()
    if settings is None:
        raise Refused(_("No carrier is configured: tell the buyer how to send the goods back."))
    order = db.session.get(Order, part.order_id)
    entity = db.session.get(Entity, part.entity_id)
    origin, destination, profile = shipping.ends(entity, order, settings)
    if origin is None or destination is None or not (profile and profile.phone):
        raise Refused(_("The carrier cannot take this parcel back: tell the buyer how to send the goods back."))
    rows = db.session.execute(select(OrderLine, CaseLine.quantity)
                              .join(CaseLine, CaseLine.order_line_id == OrderLine.id)
                              .where(CaseLine.case_id == case.id).order_by(OrderLine.id)).all()
    parcel = shipping.parcel_for([line for line, _quantity in rows])
    data, error = ghn_client.create_order(
        f"{order.reference}-{part.id}-R{case.id}",
        {"name": order.name, "phone": order.phone, "address": f"{order.address}, {order.ward}", "place": destination},
        {"name": entity.name, "phone": profile.phone, "address": profile.address or entity.address or "",
         "place": origin},
        parcel, 0, sum(line.unit_price_vnd * quantity for line, quantity in rows),
        ", ".join(f"{quantity} × {line.product_name}" for line, quantity in rows),
        [(line.product_name, quantity, line.unit_price_vnd) for line, quantity in rows])
    if error:
        raise Refused(_("The carrier refused the parcel: %(reason)s", reason=error))
    case.return_carrier_code = str(data["order_code"])[:40]
    return case


def label_url(case):
    """The carrier's printable label of the return parcel: ``(url, error)``."""
    if not case.return_carrier_code:
        return None, "no return parcel"
    return ghn_client.label_url(case.return_carrier_code)
