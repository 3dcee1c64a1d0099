"""Vendors type prices as people write them, describe products in plain text with a preview, and upload listing
files on a page that speaks of listings."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.vendors.forms import parse_vnd
from tests.factories import make_certificate, make_entity, make_product, make_user

FORM = {"stock": "12", "unit": "chai 500 ml", "description_vi": "", "description_en": "", "published": "y"}


@pytest.fixture
def honey(client, frozen_clock):
    """A certified product of a signed-in vendor, not listed yet."""
    entity = make_entity("HTX Mật ong Mèo Vạc", province_code="08")
    product = make_product("Mật ong bạc hà", entity=entity)
    make_certificate(product, valid_from=date(2025, 1, 1))
    owner = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(owner)
    return product


def saved_price(product):
    return db.session.scalar(select(Listing.price_vnd).where(Listing.product_id == product.id))


@pytest.mark.parametrize("typed", ["420.000", "420,000", "420000 ₫", " 420 000 ", "420000", "420.000đ",
                                   "420.000 VND", "420\u00a0000\u00a0₫"])
def test_price_accepts_vietnamese_thousands_separators(client, honey, typed):
    response = client.post_form(f"/vendor/products/{honey.id}/listing", {**FORM, "price_vnd": typed})
    assert response.status_code == 302
    assert saved_price(honey) == 420000


@pytest.mark.parametrize("typed", ["420.00", "42.0000", "4,2", "420.000,50", "bốn trăm", "-420.000"])
def test_a_price_that_is_not_whole_dong_is_refused_with_one_clear_message(client, honey, typed):
    response = client.post_form(f"/vendor/products/{honey.id}/listing?lang=en", {**FORM, "price_vnd": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("Enter the price in whole đồng, e.g. 420.000.") == 1 and "Between 1.000" not in page
    assert saved_price(honey) is None


def test_price_field_opens_the_numeric_keypad_and_is_not_a_number_input(client, honey):
    page = client.get(f"/vendor/products/{honey.id}/listing").get_data(as_text=True)
    field = page.split('id="price_vnd"', 1)[0].rsplit("<input", 1)[1] + page.split('id="price_vnd"', 1)[1][:200]
    assert 'inputmode="numeric"' in field and 'type="number"' not in field


def test_a_package_price_accepts_separators_too(client, honey):
    client.post_form(f"/vendor/products/{honey.id}/listing", {**FORM, "price_vnd": "420000"})
    listing = db.session.scalar(select(Listing).where(Listing.product_id == honey.id))
    client.post_form(f"/vendor/listings/{listing.id}/variants",
                     {"variant-label": "Hũ 1 kg", "variant-price_vnd": "1.250.000 ₫", "variant-stock": "3"})
    assert db.session.scalar(select(ListingVariant.price_vnd).where(ListingVariant.listing_id == listing.id)) == 1250000


def test_parse_vnd_never_guesses():
    assert parse_vnd("1.250.000") == 1250000 and parse_vnd("1 250 000 đồng") == 1250000
    assert parse_vnd("1.250,000") is None and parse_vnd("") is None and parse_vnd("12.5") is None


def test_descriptions_are_plain_text_with_a_server_side_preview_that_saves_nothing(client, honey):
    page = client.get(f"/vendor/products/{honey.id}/listing?lang=en").get_data(as_text=True)
    assert "Markdown" not in page and 'name="preview"' in page and "Description in Vietnamese" in page
    text = "Mật ong **bạc hà** Mèo Vạc.\n\n- Hũ 500 ml\n- Không pha đường\n\n<script>alert(1)</script>"
    response = client.post_form(f"/vendor/products/{honey.id}/listing?lang=en",
                                {**FORM, "price_vnd": "420.000", "description_vi": text, "preview": "1"})
    assert response.status_code == 200
    preview = response.get_data(as_text=True).split('class="description-preview"', 1)[1].split("</section>", 1)[0]
    assert "<strong>bạc hà</strong>" in preview and "<li>Hũ 500 ml</li>" in preview and "<script" not in preview
    assert "Preview: Vietnamese" in preview
    assert saved_price(honey) is None  # previewing saves nothing
    assert "420.000" in response.get_data(as_text=True)  # what was typed is kept in the form
    assert client.post_form(f"/vendor/products/{honey.id}/listing",
                            {**FORM, "price_vnd": "420.000", "description_vi": text}).status_code == 302
    assert db.session.scalar(select(Listing.description_vi).where(Listing.product_id == honey.id)) == text


def test_the_vendor_upload_page_speaks_of_listings_and_the_officers_page_is_unchanged(client, honey):
    number = db.session.scalar(select(Certificate.number).where(Certificate.product_id == honey.id))
    good = f"certificate_number,price_vnd,stock\n{number},410000,9\n"
    page = client.post_form("/vendor/listings/upload?lang=en", {"file": (io.BytesIO(good.encode()), "l.csv")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "Saving it will create 1, change 0 and leave 0 of your listings as they are." in page
    assert "Save these listings" in page and "Import now" not in page and "created, 0 updated" not in page
    token = page.split("/vendor/listings/upload/")[1].split('"')[0]
    client.post_form(f"/vendor/listings/upload/{token}?lang=en")
    assert "Your listings are saved: 1 created, 0 changed, 0 as they were." in client.get(
        "/vendor/?lang=en").get_data(as_text=True)
    officer = make_user("officer")
    db.session.commit()
    client.login_as(officer)
    assert "Upload a registry file" in client.get("/officer/registry/upload?lang=en").get_data(as_text=True)
