"""Saved delivery addresses in the account: listed on the account page, added and edited with the checkout's
province + official ward picker and phone normalisation, one default, and nobody reaches another person's."""

import pytest
from sqlalchemy import func, select

from marketplace.accounts import addresses
from marketplace.accounts.models import SavedAddress
from marketplace.extensions import db
from marketplace.reference.lookup import resolve_ward
from marketplace.shop.catalog.models import Listing
from tests.factories import make_listed, make_user

HOAN_KIEM = {"name": "Lê Văn Cường", "phone": "+84 912 345 678", "province": "01", "ward": "Phường Hoàn Kiếm",
             "address": "2 Tràng Tiền"}
HAI_CHAU = {"name": "Lê Thị Hoa", "phone": "0987.654.321", "province": "48", "ward": "20242",
            "address": "1 Bạch Đằng"}


@pytest.fixture
def buyer(client, frozen_clock):
    user = make_user("customer", email="cuong@test.example", name="Lê Văn Cường")
    db.session.commit()
    client.login_as(user)
    return user


def stored():
    """(address, ward code, ward, phone, default) of every saved address, oldest first."""
    db.session.expire_all()
    return [(a.address, a.ward_code, a.ward, a.phone, a.is_default)
            for a in db.session.scalars(select(SavedAddress).order_by(SavedAddress.id))]


def test_an_address_added_in_the_account_is_normalised_and_becomes_the_first_default(client, buyer):
    form = client.get("/account/addresses/new").get_data(as_text=True)
    assert 'value="Lê Văn Cường"' in form and 'inputmode="tel"' in form and 'data-wards-url="/checkout/wards/' in form
    assert "js/checkout.js" in form  # the checkout's ward picker
    response = client.post_form("/account/addresses/new", HOAN_KIEM)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/addresses")
    assert stored() == [("2 Tràng Tiền", "00070", "Phường Hoàn Kiếm", "0912345678", True)]
    page = client.get("/account").get_data(as_text=True)  # listed at the account page
    assert "2 Tràng Tiền, Phường Hoàn Kiếm" in page and "/account/addresses/new" in page
    assert "2 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội" in client.get("/account/addresses").get_data(as_text=True)


def test_there_is_always_one_default_and_it_can_be_switched(client, buyer):
    client.post_form("/account/addresses/new", HOAN_KIEM)
    client.post_form("/account/addresses/new", {**HAI_CHAU, "is_default": "y"})
    assert [row[-1] for row in stored()] == [False, True]
    first = db.session.scalar(select(SavedAddress).where(SavedAddress.address == "2 Tràng Tiền"))
    assert client.post_form(f"/account/addresses/{first.id}/default").status_code == 302
    assert [row[-1] for row in stored()] == [True, False]
    client.post_form("/account/addresses/new", {**HAI_CHAU, "address": "5 Trần Phú"})  # not asked: not default
    assert [row[-1] for row in stored()] == [True, False, False]
    client.post_form(f"/account/addresses/{first.id}/delete")
    assert [(row[0], row[-1]) for row in stored()] == [("1 Bạch Đằng", False), ("5 Trần Phú", True)]


def test_editing_changes_the_address_with_an_official_ward(client, buyer):
    client.post_form("/account/addresses/new", HOAN_KIEM)
    saved = db.session.scalar(select(SavedAddress))
    page = client.get(f"/account/addresses/{saved.id}/edit").get_data(as_text=True)
    assert "2 Tràng Tiền" in page and 'value="Phường Hoàn Kiếm"' in page and 'value="0912345678"' in page
    assert 'name="is_default"' not in page  # it is the default already
    response = client.post_form(f"/account/addresses/{saved.id}/edit", HAI_CHAU)
    assert response.status_code == 302
    assert stored() == [("1 Bạch Đằng", "20242", "Phường Hải Châu", "0987654321", True)]
    assert db.session.get(SavedAddress, saved.id).province_code == "48"


def test_a_ward_outside_the_province_is_a_form_error_and_nothing_is_saved(client, buyer):
    response = client.post_form("/account/addresses/new?lang=en", {**HOAN_KIEM, "ward": "Phường Hải Châu"})
    assert response.status_code == 400
    assert "Choose the commune or ward from the list of the province." in response.get_data(as_text=True)
    assert stored() == []


def test_a_phone_that_is_not_a_mobile_number_is_refused_with_its_reason(client, buyer):
    response = client.post_form("/account/addresses/new?lang=en", {**HOAN_KIEM, "phone": "12345"})
    assert response.status_code == 400
    assert "Enter a Vietnamese mobile number, e.g. 0912345678." in response.get_data(as_text=True)
    assert stored() == []


def test_an_edit_that_repeats_another_saved_address_is_refused(client, buyer):
    client.post_form("/account/addresses/new", HOAN_KIEM)
    client.post_form("/account/addresses/new", HAI_CHAU)
    second = db.session.scalar(select(SavedAddress).where(SavedAddress.address == "1 Bạch Đằng"))
    response = client.post_form(f"/account/addresses/{second.id}/edit?lang=en",
                                {**HOAN_KIEM, "address": "2  tràng tiền "})
    assert response.status_code == 400 and "You already keep this address." in response.get_data(as_text=True)
    assert [row[0] for row in stored()] == ["2 Tràng Tiền", "1 Bạch Đằng"]


def test_an_account_keeps_a_bounded_number_of_addresses(client, buyer):
    ward = resolve_ward("01", "00070")
    for number in range(addresses.MAX_SAVED):
        addresses.save(buyer, "Cường", "0912345678", "01", ward, f"{number} Tràng Tiền")
    db.session.commit()
    response = client.post_form("/account/addresses/new?lang=en", HAI_CHAU)
    assert response.status_code == 400
    assert "You can keep up to 20 addresses" in response.get_data(as_text=True)
    assert len(stored()) == addresses.MAX_SAVED
    assert client.post_form("/account/addresses/new", {**HOAN_KIEM, "address": "3 Tràng Tiền",
                                                        "name": "Cường Lê"}).status_code == 302  # the same place
    assert len(stored()) == addresses.MAX_SAVED


def test_another_persons_address_is_not_found_and_stays_as_it_was(client, buyer):
    client.post_form("/account/addresses/new", HOAN_KIEM)
    theirs = db.session.scalar(select(SavedAddress))
    before = stored()
    client.login_as(make_user("customer", email="other@test.example"))
    db.session.commit()
    assert client.get(f"/account/addresses/{theirs.id}/edit").status_code == 404
    for action, data in (("edit", HAI_CHAU), ("default", {}), ("delete", {})):
        assert client.post_form(f"/account/addresses/{theirs.id}/{action}", data).status_code == 404
    assert stored() == before
    assert "2 Tràng Tiền" not in client.get("/account/addresses").get_data(as_text=True)
    assert "2 Tràng Tiền" not in client.get("/account").get_data(as_text=True)


def test_forms_need_the_csrf_token_and_a_signed_in_buyer(client, buyer):
    assert client.post("/account/addresses/new", data=HOAN_KIEM).status_code == 400
    assert stored() == []
    client.post_form("/logout")
    response = client.get("/account/addresses/new")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_the_default_address_from_the_account_is_offered_at_checkout(client, buyer):
    tea = make_listed("Chè Tân Cương", stock=5)
    db.session.commit()
    client.post_form("/account/addresses/new", HAI_CHAU)
    listing_id = db.session.scalar(select(Listing.id).where(Listing.product_id == tea.id))
    client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    page = client.get("/checkout").get_data(as_text=True)
    assert "1 Bạch Đằng" in page and 'value="Phường Hải Châu"' in page and 'value="0987654321"' in page
    assert db.session.scalar(select(func.count()).select_from(SavedAddress)) == 1
