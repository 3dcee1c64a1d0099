"""The order page reassures: a confirmation with what happens next, the payment and its state, a timeline per
producer with the carrier's tracking link, a confirmation step before cancelling, the bank named for VietQR."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders import fulfilment
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Võ Thị Hoa", "email": "hoa@test.example", "phone": "0903123456", "province": "79",
            "ward": "Phường Sài Gòn", "address": "9 Đồng Khởi", "payment_method": "cod"}


@pytest.fixture
def place(client, frozen_clock):
    tea = make_listed("Chè Tân Cương", stock=5, entity=make_entity("HTX Chè"))
    sauce = make_listed("Nước mắm Nam Ô", stock=5, entity=make_entity("HTX Nam Ô"))
    client.login_as(make_user("customer", email="hoa@test.example"))
    db.session.commit()

    def placing(method="cod"):
        for product in (tea, sauce):
            listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == product.id))
            client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
        response = client.post_form("/checkout", {**CHECKOUT, "payment_method": method})
        return db.session.scalar(select(Order).order_by(Order.id.desc())), response

    return placing


def test_just_placed_the_order_says_so_and_what_happens_next(client, place):
    order, response = place()
    assert response.headers["Location"].endswith("placed=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "order-placed" in page and "next-steps" in page
    assert "order-placed" not in client.get(f"/orders/{order.reference}").get_data(as_text=True)


def test_the_payment_method_and_its_state_are_shown(client, place):
    order, _response = place()
    page = client.get(f"/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert "payment-state" in page
    text = page.split('class="payment-state">')[1].split("</dd>")[0]
    assert text.strip() in ("Cash on delivery: Pay the carrier in cash when the parcel arrives",
                            "Thanh toán khi nhận hàng (COD): Trả tiền mặt cho người giao hàng khi nhận hàng")


def test_each_producer_has_a_timeline_with_the_tracking_link(client, place):
    order, _response = place()
    tea_part = db.session.scalar(select(VendorOrder).order_by(VendorOrder.id))
    fulfilment.act(tea_part, "ship", "owner@test.example", carrier="GHN", tracking_number="GHN12345")
    db.session.commit()
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert page.count('class="timeline"') == 2
    assert 'href="https://donhang.ghn.vn/?order_code=GHN12345"' in page
    assert page.count('class="step done"') == 2 + 3  # one part placed+confirmed, the other also shipped


def test_cancelling_asks_for_confirmation_first(client, place):
    order, _response = place()
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert '<details class="confirm-cancel">' in page
    details = page.split('<details class="confirm-cancel">')[1]
    assert details.index("<summary") < details.index('type="submit"')  # the button is inside the opened step


def test_the_vietqr_panel_names_the_bank_and_the_account_holder(client, place, app, monkeypatch):
    for name, value in {"BANK_TRANSFER_BIN": "970436", "BANK_TRANSFER_ACCOUNT": "0123456789",
                        "BANK_TRANSFER_NAME": "CHO OCOP"}.items():
        monkeypatch.setitem(app.config, name, value)
    order, _response = place("bank_transfer")
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert "Vietcombank" in page and "CHO OCOP" in page and "0123456789" in page
