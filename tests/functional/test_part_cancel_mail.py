"""A buyer cancelling one producer's part: that producer's members are mailed at once, each in their language,
exactly once (a repeated request, or the whole order cancelled afterwards, does not announce the part again);
the other producer hears nothing of it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marketplace.core import mail
from marketplace.extensions import db
from marketplace.registry.models import Entity
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Đỗ Minh", "email": "minh@test.example", "phone": "0987000111", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "2 Tràng Tiền", "payment_method": "cod"}


@pytest.fixture
def order(client, frozen_clock):
    """A cash-on-delivery order with a tea part (Vietnamese owner, English staff) and a fish-sauce part."""
    tea = make_listed("Chè Tân Cương", price_vnd=200000, stock=5, entity=make_entity("HTX Chè Tân Cương"))
    sauce = make_listed("Nước mắm Nam Ô", price_vnd=90000, stock=5, entity=make_entity("HTX Nước mắm Nam Ô"))
    make_user("vendor", email="owner@che.example", entity=db.session.get(Entity, tea.entity_id))
    make_user("vendor", email="staff@che.example", entity=db.session.get(Entity, tea.entity_id), member_role="staff",
              preferred_locale="en")
    make_user("vendor", email="owner@namo.example", entity=db.session.get(Entity, sauce.entity_id))
    buyer = make_user("customer", email="minh@test.example")
    db.session.commit()
    client.login_as(buyer)
    for product in (tea, sauce):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    client.post_form("/checkout", CHECKOUT)
    placed = db.session.scalar(select(Order))
    tea_part, sauce_part = db.session.scalars(select(VendorOrder).order_by(VendorOrder.id)).all()
    return placed, tea_part, sauce_part


def messages_to(address):
    return [message for message in mail.outbox_messages() if message["To"] == address]


def cancel_part(client, placed, part):
    return client.post_form(f"/orders/{placed.reference}/cancel", {"part": part.id})


def test_cancelling_one_part_mails_that_producer_in_each_members_language(client, order):
    placed, tea_part, _sauce_part = order
    tea_part.seen_at = datetime(2026, 11, 23, 3, tzinfo=UTC)  # the producer had opened it
    db.session.commit()
    assert cancel_part(client, placed, tea_part).status_code == 302
    db.session.expire_all()
    assert db.session.get(VendorOrder, tea_part.id).status == "cancelled"
    owner = messages_to("owner@che.example")
    assert len(owner) == 2  # the new order, then the cancellation
    assert owner[-1]["Subject"] == f"Đơn hàng {placed.reference} đã bị hủy: không giao hàng"
    assert "Chè Tân Cương" in owner[-1].get_content() and "Nước mắm" not in owner[-1].get_content()
    staff = messages_to("staff@che.example")[-1]
    assert staff["Subject"] == f"Order {placed.reference} cancelled: do not ship it"
    assert "Do not ship this part; its stock has been returned to your listings." in staff.get_content()
    assert db.session.get(VendorOrder, tea_part.id).seen_at is None  # new again on the dashboard
    assert len(messages_to("owner@namo.example")) == 1  # the fish-sauce producer only heard of the new order


def test_a_repeated_cancel_request_does_not_mail_again(client, order):
    placed, tea_part, _sauce_part = order
    cancel_part(client, placed, tea_part)
    again = cancel_part(client, placed, tea_part)
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Phần này của đơn hàng đã được hủy rồi." in page  # the refusal, flashed in the buyer's language
    assert len(messages_to("owner@che.example")) == 2
    assert len(messages_to("staff@che.example")) == 2


def test_cancelling_the_rest_afterwards_announces_each_part_once(client, order):
    placed, tea_part, sauce_part = order
    cancel_part(client, placed, tea_part)
    client.post_form(f"/orders/{placed.reference}/cancel")  # the whole order: only the fish sauce was left
    db.session.expire_all()
    assert db.session.get(Order, placed.id).status == "cancelled"
    assert db.session.get(VendorOrder, sauce_part.id).status == "cancelled"
    assert [m["Subject"].endswith("không giao hàng") for m in messages_to("owner@che.example")] == [False, True]
    assert [m["Subject"].endswith("không giao hàng") for m in messages_to("owner@namo.example")] == [False, True]


def test_the_last_part_cancelled_alone_cancels_the_order_and_mails_each_producer_once(client, order):
    placed, tea_part, sauce_part = order
    cancel_part(client, placed, tea_part)
    cancel_part(client, placed, sauce_part)
    db.session.expire_all()
    assert db.session.get(Order, placed.id).status == "cancelled"
    assert len(messages_to("owner@che.example")) == 2 and len(messages_to("owner@namo.example")) == 2
    buyer = [m["Subject"] for m in messages_to("minh@test.example")]
    assert buyer[-1] == f"Đơn hàng {placed.reference} đã bị hủy"


def test_a_part_shipped_meanwhile_is_not_cancelled_and_nobody_is_mailed(client, order):
    placed, tea_part, _sauce_part = order
    fulfilment.act(tea_part, "ship", "owner@che.example", carrier="GHN", tracking_number="GHN1")
    db.session.commit()
    before = len(mail.outbox_messages())
    cancel_part(client, placed, tea_part)
    db.session.expire_all()
    assert db.session.get(VendorOrder, tea_part.id).status == "shipped"
    assert len(mail.outbox_messages()) == before
