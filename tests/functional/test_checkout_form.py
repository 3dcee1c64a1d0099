"""The checkout form as buyers type: phone numbers normalised, no province chosen for them, official wards,
the real name pre-filled, saved addresses."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import SavedAddress
from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order
from tests.factories import make_listed, make_user

CHECKOUT = {"name": "Lê Văn Cường", "email": "cuong@test.example", "phone": "0912345678", "province": "48",
            "ward": "20242", "address": "1 Bạch Đằng", "payment_method": "cod"}


@pytest.fixture
def buyer(client, frozen_clock):
    tea = make_listed("Chè Tân Cương", stock=20)
    user = make_user("customer", email="cuong@test.example", name="Lê Văn Cường")
    db.session.commit()
    client.login_as(user)
    client.listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    return user


def fill_basket(client):
    client.post_form("/cart/add", {"listing_id": client.listing_id, "quantity": 1})


@pytest.mark.parametrize("typed", ["+84 912 345 678", "0912.345.678", " 0912345678", "0912-345-678", "84912345678"])
def test_phone_numbers_as_people_type_them_are_normalised(client, buyer, typed):
    fill_basket(client)
    assert client.post_form("/checkout", {**CHECKOUT, "phone": typed}).status_code == 302
    assert db.session.scalar(select(Order.phone)) == "0912345678"


def test_the_page_asks_a_numeric_keypad_and_chooses_no_province(client, buyer):
    fill_basket(client)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'inputmode="tel"' in page
    assert '<option value="">' in page  # "choose a province" comes first
    assert not re.search(r'<option (selected value="\d\d"|value="\d\d" selected)', page)  # none is chosen
    assert 'value="Lê Văn Cường"' in page  # the account's real name, not the e-mail


def test_no_province_is_refused_with_a_reason(client, buyer):
    fill_basket(client)
    response = client.post_form("/checkout", {**CHECKOUT, "province": ""})
    assert response.status_code == 400 and db.session.scalar(select(Order)) is None


def test_the_ward_is_kept_by_name_and_code(client, buyer):
    fill_basket(client)
    client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    assert (order.ward, order.ward_code) == ("Phường Hải Châu", "20242")


def test_a_ward_of_another_province_is_refused(client, buyer):
    fill_basket(client)
    response = client.post_form("/checkout", {**CHECKOUT, "province": "01"})
    assert response.status_code == 400 and db.session.scalar(select(Order)) is None


def test_an_old_ward_name_is_converted(client, buyer):
    fill_basket(client)
    client.post_form("/checkout", {**CHECKOUT, "province": "01", "ward": "Phường Hàng Bạc"})
    order = db.session.scalar(select(Order))
    assert (order.ward, order.ward_code) == ("Phường Hoàn Kiếm", "00070")


def test_the_ward_list_of_a_province_is_served_for_the_picker(client, buyer):
    rows = client.get("/checkout/wards/48.json").get_json()
    assert {"code": "20242", "name": "Phường Hải Châu"} in rows and len(rows) == 94
    assert client.get("/checkout/wards/99.json").status_code == 404


def test_the_last_province_and_address_are_offered_again(client, buyer):
    fill_basket(client)
    client.post_form("/checkout", CHECKOUT)
    fill_basket(client)
    page = client.get("/checkout").get_data(as_text=True)
    assert '<option selected value="48">' in page or '<option value="48" selected>' in page
    assert "1 Bạch Đằng" in page and "Phường Hải Châu" in page


def test_a_saved_address_becomes_the_default_and_is_managed_in_the_account(client, buyer):
    fill_basket(client)
    client.post_form("/checkout", {**CHECKOUT, "save_address": "y"})
    fill_basket(client)
    client.post_form("/checkout", {**CHECKOUT, "province": "01", "ward": "00070", "address": "2 Tràng Tiền",
                                   "save_address": "y"})
    saved = db.session.scalars(select(SavedAddress).order_by(SavedAddress.id)).all()
    assert [a.is_default for a in saved] == [True, False] and saved[1].ward == "Phường Hoàn Kiếm"
    fill_basket(client)
    assert "1 Bạch Đằng" in client.get("/checkout").get_data(as_text=True)  # the default is offered
    assert "2 Tràng Tiền" in client.get(f"/checkout?address={saved[1].id}").get_data(as_text=True)
    assert "2 Tràng Tiền" in client.get("/account/addresses").get_data(as_text=True)
    client.post_form(f"/account/addresses/{saved[1].id}/default")
    db.session.expire_all()
    assert [a.is_default for a in db.session.scalars(select(SavedAddress).order_by(SavedAddress.id))] == [False, True]
    client.login_as(make_user("customer"))
    db.session.commit()
    assert client.post_form(f"/account/addresses/{saved[0].id}/delete").status_code == 404
    client.login_as(buyer)
    client.post_form(f"/account/addresses/{saved[1].id}/delete")
    db.session.expire_all()
    left = db.session.scalars(select(SavedAddress)).all()
    assert len(left) == 1 and left[0].is_default
