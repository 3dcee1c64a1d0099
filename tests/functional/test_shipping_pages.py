"""Shipping pages: GHN's labelled simulation in development (a parcel from "Giao cho đơn vị vận chuyển" to delivered
and its cash transferred, all in-process), the pick-up address and free-shipping threshold, a listing's weight, and
how parcels are weighed."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.models import Payment
from marketplace.shipping.models import Shipment, ShippingProfile
from marketplace.shipping.parcels import grams_in, packed, parcel_of, unit_weight
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.orders.models import Order, VendorOrder
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Trần Thị Mai", "email": "mai@test.example", "phone": "0912345678", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "5 Hàng Trống", "payment_method": "cod"}


@pytest.fixture
def simulated(app):
    """Development: no GHN settings, the labelled simulation mounted in the app."""
    app.config["SIMULATED_CARRIER"] = True
    yield
    app.config.pop("SIMULATED_CARRIER")
    app.extensions.pop("simulated_ghn", None)
    for name in ("SIMULATED_GHN_TOKEN", "SIMULATED_GHN_WEBHOOK_SECRET"):
        app.config.pop(name, None)


@pytest.fixture
def producer(frozen_clock):
    """A producer whose address names its ward (Phường Ba Đình, read from the decision's address)."""
    entity = make_entity("HTX Chè Ba Đình", province_code="01", address="12 Phan Đình Phùng, Phường Trúc Bạch, "
                                                                        "Quận Ba Đình, Hà Nội")
    tea = make_listed("Chè Shan tuyết", price_vnd=200000, stock=9, entity=entity)
    vendor = make_user("vendor", email="htx@badinh.example", entity=entity)
    db.session.commit()
    return entity, db.session.scalar(select(Listing).where(Listing.product_id == tea.id)), vendor


def test_development_runs_a_parcel_through_the_labelled_simulation(app, client, simulated, producer):
    entity, listing, vendor = producer
    client.login_as(vendor)
    page = client.get("/vendor/shipping?lang=en").get_data(as_text=True)
    assert "Simulation: no real carrier" in page and 'value="Phường Ba Đình"' in page  # read from its address
    client.post_form("/vendor/shipping", {"province": "01", "ward": "00004", "address": "12 Phan Đình Phùng",
                                          "phone": "0987 654 321"})
    buyer = make_user("customer", email="mai@test.example")
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1})
    assert client.post_form("/checkout", CHECKOUT).status_code == 302
    order = db.session.scalar(select(Order))
    # The simulation's fee in the province: 500 g by default, in a 20 × 15 × 10 cm carton (600 g by volume).
    assert order.shipping_vnd == 20000 + 2500
    part = db.session.scalar(select(VendorOrder))
    client.login_as(vendor)
    dashboard = client.get("/vendor/?lang=en").get_data(as_text=True)
    assert "Hand over to the carrier" in dashboard and "The carrier collects ₫222,500 from the buyer." in dashboard
    client.post_form(f"/vendor/orders/{part.id}/ship", {"via": "carrier"})
    code = db.session.scalar(select(Shipment.carrier_order_code))
    label = client.get(f"/vendor/orders/{part.id}/label")
    assert label.headers["Location"].startswith("http://localhost/simulated/ghn/a5/public-api/printA5?token=")
    assert code in client.get(label.headers["Location"]).get_data(as_text=True)
    desk = client.get("/simulated/ghn/")
    assert desk.status_code == 200 and "SIMULATION" in desk.get_data(as_text=True) and code in desk.get_data(
        as_text=True)
    assert client.post(f"/simulated/ghn/simulation/orders/{code}", data={"step": "delivered"}).status_code == 303
    db.session.expire_all()
    assert (db.session.get(VendorOrder, part.id).status, db.session.get(Order, order.id).status) == (
        "delivered", "delivered")
    client.post(f"/simulated/ghn/simulation/orders/{code}", data={"step": "remit"})
    assert db.session.scalar(select(Payment.status)) == "succeeded"


def test_without_development_the_simulation_is_not_there(client):
    assert client.get("/simulated/ghn/").status_code == 404
    assert client.post("/simulated/ghn/shiip/public-api/v2/shipping-order/create", json={}).status_code == 404


def test_a_producer_sets_its_pick_up_address_and_free_shipping(client, producer):
    entity, _listing, vendor = producer
    client.login_as(vendor)
    bad = client.post_form("/vendor/shipping", {"province": "01", "ward": "Phường Bến Thành", "address": "x",
                                                "phone": "123"})
    assert bad.status_code == 400 and db.session.get(ShippingProfile, entity.id) is None
    client.post_form("/vendor/shipping", {"province": "01", "ward": "Phường Ba Đình", "address": "12 Phan Đình Phùng",
                                          "phone": "+84 987 654 321", "free_over_vnd": "500.000"})
    profile = db.session.get(ShippingProfile, entity.id)
    assert (profile.ward_code, profile.phone, profile.free_over_vnd) == ("00004", "0987654321", 500000)


def test_a_listing_keeps_its_shipping_weight_and_size(client, producer):
    _entity, listing, vendor = producer
    listing.unit = "hộp 500 g"
    db.session.commit()
    client.login_as(vendor)
    page = client.get(f"/vendor/products/{listing.product_id}/listing").get_data(as_text=True)
    assert 'name="weight_g" type="text" value="600"' in page or 'value="600"' in page  # suggested from "500 g"
    form = {"price_vnd": "200.000", "stock": "9", "unit": "hộp 500 g", "published": "y", "weight_g": "650",
            "length_cm": "20", "width_cm": "12", "height_cm": "8"}
    assert client.post_form(f"/vendor/products/{listing.product_id}/listing", form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Listing, listing.id)
    assert (saved.weight_g, saved.length_cm, saved.width_cm, saved.height_cm) == (650, 20, 12, 8)
    too_heavy = client.post_form(f"/vendor/products/{listing.product_id}/listing", {**form, "weight_g": "60000"})
    assert too_heavy.status_code == 400


@pytest.mark.parametrize(("name", "grams"), [("hộp 500 g", 500), ("Túi 1,5kg", 1500), ("chai 750ml", 750),
                                             ("can 2 lít", 2000), ("hũ 200gr", 200), ("hộp quà", None), (None, None)])
def test_a_package_name_gives_its_weight(name, grams):
    assert grams_in(name) == grams


def test_parcels_are_weighed_from_their_packages(app, producer):
    _entity, listing, _vendor = producer
    listing.unit = "hộp 500 g"
    big = ListingVariant(listing_id=listing.id, label="hộp 1 kg", price_vnd=380000, stock=3)
    plain = ListingVariant(listing_id=listing.id, label="hộp quà", price_vnd=450000, stock=3)
    with app.app_context():
        assert packed(500) == 600 and unit_weight(listing) == 600  # named: a fifth more for the packing
        listing.weight_g = 650
        assert (unit_weight(listing), unit_weight(listing, big), unit_weight(listing, plain)) == (650, 1300, 650)
        parcel = parcel_of([(listing, None, 2), (listing, big, 1)])
        assert (parcel.weight_g, parcel.length_cm, parcel.width_cm, parcel.height_cm) == (2600, 20, 15, 10)
        listing.length_cm, listing.width_cm, listing.height_cm = 20, 12, 8
        assert parcel_of([(listing, None, 3)]).height_cm == 24  # stacked


def test_the_expected_day_shows_on_the_dashboard_before_shipping(client, producer, frozen_clock):
    _entity, listing, vendor = producer
    buyer = make_user("customer", email="mai@test.example")
    db.session.commit()
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1})
    client.post_form("/checkout", CHECKOUT)
    shipment = db.session.scalar(select(Shipment))
    assert (shipment.quoted_by, shipment.expected_on) == ("table", date(2026, 11, 25))  # same province: 2 days
    client.login_as(vendor)
    assert "Promised to the buyer by November 25, 2026" in client.get("/vendor/?lang=en").get_data(as_text=True)
