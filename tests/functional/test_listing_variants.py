"""Package sizes (listing variants): each its own price and stock, bought, reserved and returned separately."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from tests.factories import make_entity, make_listed, make_user

CHECKOUT = {"name": "Đỗ Minh", "email": "minh@test.example", "phone": "0987000111", "province": "01",
            "ward": "Phường Hoàn Kiếm", "address": "2 Tràng Tiền", "payment_method": "cod"}


def shop():
    entity = make_entity("HTX Chè Tân Cương")
    product = make_listed("Chè Tân Cương", price_vnd=120000, stock=5, entity=entity)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    listing.unit = "gói 250 g"
    owner = make_user("vendor", entity=entity)
    buyer = make_user("customer", email="minh@test.example")
    db.session.commit()
    return product, listing, owner, buyer


def add_variant(client, listing, label="hộp 500 g", price="220000", stock="3"):
    return client.post_form(f"/vendor/listings/{listing.id}/variants",
                            {"variant-label": label, "variant-price_vnd": price, "variant-stock": stock},
                            follow_redirects=True)


def test_vendor_adds_a_package_and_a_buyer_orders_both_sizes(client, frozen_clock):
    product, listing, owner, buyer = shop()
    client.login_as(owner)
    assert "hộp 500 g" in add_variant(client, listing).get_data(as_text=True)
    variant = db.session.scalar(select(ListingVariant))
    assert (variant.price_vnd, variant.stock) == (220000, 3)
    client.login_as(buyer)
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert 'name="variant_id"' in page and "220.000" in page and "gói 250 g" in page
    assert client.get(f"/api/v1/products/{product.id}").get_json()["variants"] == [
        {"id": variant.id, "label": "hộp 500 g", "price_vnd": 220000, "in_stock": True}]
    client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1})
    client.post_form("/cart/add", {"listing_id": listing.id, "variant_id": variant.id, "quantity": 2})
    assert len(db.session.scalars(select(CartLine)).all()) == 2
    client.post_form("/checkout", CHECKOUT)
    order = db.session.scalar(select(Order))
    lines = db.session.scalars(select(OrderLine).order_by(OrderLine.unit_price_vnd)).all()
    assert [(line.variant_label, line.unit_price_vnd, line.quantity) for line in lines] == [
        (None, 120000, 1), ("hộp 500 g", 220000, 2)]
    assert order.subtotal_vnd == 120000 + 2 * 220000
    db.session.expire_all()
    assert (db.session.get(Listing, listing.id).stock, db.session.get(ListingVariant, variant.id).stock) == (4, 1)
    assert "hộp 500 g" in client.get(f"/orders/{order.reference}").get_data(as_text=True)
    client.login_as(owner)
    part = db.session.scalar(select(VendorOrder))
    assert "hộp 500 g" in client.get(f"/vendor/orders/{part.id}/slip").get_data(as_text=True)
    client.post_form(f"/vendor/orders/{part.id}/cancel", {"note": "hết hàng"})
    db.session.expire_all()
    assert (db.session.get(Listing, listing.id).stock, db.session.get(ListingVariant, variant.id).stock) == (5, 3)


def test_a_sold_out_first_package_does_not_stop_the_others(client, frozen_clock):
    product, listing, owner, buyer = shop()
    variant = ListingVariant(listing_id=listing.id, label="hộp 500 g", price_vnd=220000, stock=2)
    listing.stock = 0
    db.session.add(variant)
    db.session.commit()
    client.login_as(buyer)
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Thêm vào giỏ hàng" in page and "disabled" in page
    client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1})  # the sold-out first package
    client.post_form("/cart/add", {"listing_id": listing.id, "variant_id": variant.id, "quantity": 5})
    assert [(line.variant_id, line.quantity) for line in db.session.scalars(select(CartLine))] == [(variant.id, 2)]


def test_bad_packages_are_refused_and_other_entities_cannot_touch_them(client, frozen_clock):
    product, listing, owner, buyer = shop()
    client.login_as(owner)
    add_variant(client, listing)
    duplicate = add_variant(client, listing, price="1000").get_data(as_text=True)
    assert "đã có gói hàng" in duplicate
    assert "1.000 ₫" in add_variant(client, listing, label="hộp 1 kg", price="5").get_data(as_text=True)
    assert [v.label for v in db.session.scalars(select(ListingVariant))] == ["hộp 500 g"]
    variant = db.session.scalar(select(ListingVariant))
    other_entity = make_entity("HTX Khác")
    other_listing = db.session.scalar(select(Listing).where(
        Listing.product_id == make_listed("Gạo ST25", entity=other_entity).id))
    stranger = make_user("vendor", entity=other_entity)
    db.session.commit()
    client.login_as(stranger)
    assert client.post_form(f"/vendor/listings/{listing.id}/variants",
                            {"variant-label": "x", "variant-price_vnd": "5000"}).status_code == 404
    assert client.post_form(f"/vendor/listings/{listing.id}/variants/{variant.id}/delete").status_code == 404
    assert client.post_form(f"/vendor/listings/{other_listing.id}/variants/{variant.id}/delete").status_code == 404
    client.login_as(buyer)
    client.post_form("/cart/add", {"listing_id": other_listing.id, "variant_id": variant.id, "quantity": 1})
    assert db.session.scalars(select(CartLine)).all() == []  # a variant of another listing is not found
    client.login_as(owner)
    client.post_form(f"/vendor/listings/{listing.id}/variants/{variant.id}", {
        "variant-label": "hộp 500 g", "variant-price_vnd": "250000", "variant-stock": "7"})
    db.session.expire_all()
    assert (variant.price_vnd, variant.stock) == (250000, 7)
    assert client.post_form(f"/vendor/listings/{listing.id}/variants/{variant.id}/delete").status_code == 302
    assert db.session.scalars(select(ListingVariant)).all() == []
