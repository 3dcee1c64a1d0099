"""Cards and the JSON listing show what the product page offers: the cheapest package that can be bought."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing, ListingVariant
from tests.factories import make_listed


def test_a_card_offers_the_package_in_stock(client, frozen_clock):
    honey = make_listed("Mật ong bạc hà", price_vnd=150000, stock=0)
    listing = db.session.scalar(select(Listing).where(Listing.product_id == honey.id))
    db.session.add(ListingVariant(listing_id=listing.id, label="chai 1 l", price_vnd=280000, stock=4))
    db.session.commit()
    item = client.get("/api/v1/products?in_stock=true").get_json()["items"][0]
    assert (item["name"], item["price_vnd"], item["in_stock"]) == ("Mật ong bạc hà", 280000, True)
    page = client.get("/search?q=mat+ong").get_data(as_text=True)
    assert "280.000" in page and "Hết hàng" not in page
