"""Paying by bank transfer: a VietQR code with the amount and reference; finance staff confirm; e-mails follow."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.payments.models import Payment
from marketplace.payments.vietqr import fields, parse
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_listed, make_user

CHECKOUT = {"name": "Võ Thị Hoa", "email": "hoa@test.example", "phone": "0903123456", "province": "79",
            "ward": "Phường Sài Gòn", "address": "9 Đồng Khởi", "payment_method": "bank_transfer"}


def order_by_transfer(app, client):
    app.config.update(BANK_TRANSFER_BIN="970436", BANK_TRANSFER_ACCOUNT="0123456789", BANK_TRANSFER_NAME="CHO OCOP")
    tea = make_listed("Chè Thái Nguyên", price_vnd=250000, stock=3)
    buyer = make_user("customer", email="hoa@test.example")
    db.session.commit()
    client.login_as(buyer)
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 2})
    client.post_form("/checkout", CHECKOUT)
    return db.session.scalar(select(Order)), listing_id


def test_transfer_qr_carries_amount_and_reference_and_admin_confirms(app, client, frozen_clock):
    try:
        order, _ = order_by_transfer(app, client)
        assert order.status == "pending_payment" and order.total_vnd == 530000
        page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
        assert "vietqr.svg" in page and "0123456789" in page
        svg = client.get(f"/orders/{order.reference}/vietqr.svg")
        assert svg.mimetype == "image/svg+xml"
        from marketplace.payments import services

        with app.test_request_context():
            top = parse(services.transfer_payload(order))
        assert top["54"] == "530000" and fields(top["62"])["08"] == order.reference
        assert "970436" in top["38"] and "0123456789" in top["38"]
        client.login_as(make_user("customer"))
        db.session.commit()
        assert client.post_form(f"/admin/payments/{db.session.scalar(select(Payment.id))}/confirm").status_code == 403
        admin = make_user("admin")
        db.session.commit()
        client.login_as(admin)
        assert "Võ Thị Hoa" in client.get("/admin/payments").get_data(as_text=True)
        client.post_form(f"/admin/payments/{db.session.scalar(select(Payment.id))}/confirm")
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == "paid"
        subjects = [message["Subject"] for message in outbox_messages()]
        assert any(order.reference in subject for subject in subjects) and len(subjects) == 2  # placed, paid
    finally:
        app.config.update(BANK_TRANSFER_BIN=None, BANK_TRANSFER_ACCOUNT=None)


def test_unpaid_transfer_expires_after_a_day_and_stock_returns(app, client, runner, frozen_clock):
    try:
        order, listing_id = order_by_transfer(app, client)
        assert db.session.get(Listing, listing_id).stock == 1
        assert order.reserved_until.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(hours=23)
        assert "0 unpaid orders expired" in runner.invoke(args=["orders", "expire"]).output
        db.session.execute(Order.__table__.update().values(reserved_until=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
        assert "1 unpaid orders expired" in runner.invoke(args=["orders", "expire"]).output
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == "cancelled"
        assert db.session.get(Listing, listing_id).stock == 3
    finally:
        app.config.update(BANK_TRANSFER_BIN=None, BANK_TRANSFER_ACCOUNT=None)
