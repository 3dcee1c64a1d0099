"""A vendor's cancel carries a reason on the server too, not only in the form: without one nothing changes."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import OrderEvent, VendorOrder
from tests.functional.test_fulfilment import part_of, place, two_part_order  # noqa: F401


@pytest.mark.parametrize("note", [None, "", "   \n\t "])
def test_a_cancel_without_a_reason_is_refused_and_changes_nothing(client, two_part_order, note):  # noqa: F811
    world = two_part_order
    order = place(client, world)
    part = part_of(order, world["tea"].entity_id)
    client.login_as(world["owners"]["tea"])
    data = {} if note is None else {"note": note}
    response = client.post_form(f"/vendor/orders/{part.id}/cancel?lang=en", data, follow_redirects=True)
    assert "Say why you cancel this order: the buyer will read it." in response.get_data(as_text=True)
    assert db.session.get(VendorOrder, part.id).status == "processing"
    assert db.session.scalar(select(Listing.stock).where(Listing.product_id == world["tea"].id)) == 4
    assert not db.session.scalars(select(OrderEvent).where(OrderEvent.vendor_order_id == part.id,
                                                           OrderEvent.to_status == "cancelled")).all()


def test_a_cancel_with_a_reason_goes_through(client, two_part_order):  # noqa: F811
    world = two_part_order
    order = place(client, world)
    part = part_of(order, world["tea"].entity_id)
    client.login_as(world["owners"]["tea"])
    client.post_form(f"/vendor/orders/{part.id}/cancel", {"note": "Hết hàng"})
    assert db.session.get(VendorOrder, part.id).status == "cancelled"
