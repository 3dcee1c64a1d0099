"""The product page: buy buttons ("Buy now" goes to checkout), the gallery, a not-sold product's real certificate."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.cart.models import CartLine
from marketplace.shop.catalog.models import Listing, ListingImage
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product, make_user


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


def add_photos(listing, count, first_position=0):
    """``count`` photo rows (the files are not needed to render pages), positions from ``first_position``."""
    rows = [ListingImage(listing_id=listing.id, position=first_position + n, filename=f"{n:032x}.webp",
                         thumbnail=f"{n:032x}_t.webp", width=1600, height=1200) for n in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def buy_form(page):
    return re.search(r'<form class="buy-form".*?</form>', page, re.S).group(0)


# --- buying --------------------------------------------------------------------------------------------------


def test_listed_product_offers_add_to_basket_and_buy_now(english, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương")
    db.session.commit()
    form = buy_form(english.get(f"/p/{product.slug}").get_data(as_text=True))
    assert re.search(r'<button type="submit" class="button buy-add">\s*Add to basket', form)
    assert re.search(r'<button type="submit" class="button buy-now" name="buy_now" value="1">\s*Buy now', form)
    assert "buy-note" not in form  # the class that turned the main button white on sand


def test_buy_now_adds_the_chosen_package_and_goes_to_checkout(client, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương", stock=5)
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    listing = listing_of(product)
    response = client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 2, "buy_now": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/checkout")
    (line,) = db.session.scalars(select(CartLine)).all()
    assert (line.listing_id, line.quantity) == (listing.id, 2)


def test_add_to_basket_still_goes_to_the_basket(client, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương")
    db.session.commit()
    response = client.post_form("/cart/add", {"listing_id": listing_of(product).id, "quantity": 1})
    assert response.headers["Location"].endswith("/cart")


def test_buy_now_of_a_product_not_sold_is_refused_and_stays_off_checkout(client, frozen_clock):
    product = make_product("Mắm tôm hết hạn")
    make_certificate(product, valid_from=date(2022, 1, 1))
    listing = make_listing(product)
    db.session.commit()
    response = client.post_form("/cart/add", {"listing_id": listing.id, "quantity": 1, "buy_now": "1"},
                                headers={"Referer": f"/p/{product.slug}"})
    assert not response.headers["Location"].endswith("/checkout")
    assert db.session.scalars(select(CartLine)).all() == []


# --- gallery ---------------------------------------------------------------------------------------------------


def test_gallery_shows_every_photo_in_order_with_srcset_and_thumbnails(english, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương")
    rows = add_photos(listing_of(product), 3)
    rows[0].position, rows[2].position = 9, 7  # the vendor's order: 1, 2 (pos 7), 0 (pos 9)
    db.session.flush()
    db.session.commit()
    page = english.get(f"/p/{product.slug}").get_data(as_text=True)
    assert 'class="product-gallery"' not in page  # no more bulleted list of links
    slides = re.findall(r'<li class="gallery-slide" id="photo-\d">\s*<img[^>]*src="/media/listings/([0-9a-f]+)\.webp"'
                        r'[^>]*>', page)
    assert slides == [f"{1:032x}", f"{2:032x}", f"{0:032x}"]
    first, second = re.findall(r'<img class="product-picture"[^>]*>', page)[:2]
    assert f'srcset="/media/listings/{1:032x}_t.webp 400w, /media/listings/{1:032x}.webp 1600w"' in first
    assert "loading=" not in first and 'loading="lazy"' in second  # the first photo is the page's main image
    assert len(re.findall(r'href="#photo-\d" data-gallery-thumb', page)) == 3
    assert "js/gallery.js" in page


def test_single_photo_has_no_thumbnails(english, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương")
    add_photos(listing_of(product), 1)
    db.session.commit()
    page = english.get(f"/p/{product.slug}").get_data(as_text=True)
    assert 'class="gallery-slide"' in page and "gallery-thumbs" not in page


# --- a product that is not sold: the certificate's real state and valid alternatives ------------------------------


def certificate_box(page):
    return re.search(r'<section class="certificate-box[^"]*".*?</section>', page, re.S).group(0)


def test_expired_certificate_box_says_expired_not_valid(english, frozen_clock):
    product = make_product("Mắm tôm hết hạn", criteria_set_code="09")
    make_certificate(product, valid_from=date(2022, 1, 1))
    make_listing(product)
    db.session.commit()
    box = certificate_box(english.get(f"/p/{product.slug}").get_data(as_text=True))
    assert 'class="certificate-box certificate-lapsed"' in box
    assert "Expired on January 1, 2025." in box


def test_revoked_certificate_box_gives_date_and_ground(english, frozen_clock):
    product = make_product("Chè bị thu hồi")
    make_certificate(product, valid_from=date(2025, 1, 10), status="revoked", revoked_on=date(2026, 5, 4),
                     revocation_reason="đ) Chủ thể OCOP ngừng sản xuất sản phẩm")
    make_listing(product)
    db.session.commit()
    box = certificate_box(english.get(f"/p/{product.slug}").get_data(as_text=True))
    assert "certificate-lapsed" in box
    assert "Revoked on May 4, 2026 because: đ) Chủ thể OCOP ngừng sản xuất sản phẩm" in box


def test_valid_certificate_keeps_the_green_box(english, frozen_clock):
    product = make_listed("Chè Đinh Tân Cương")
    db.session.commit()
    page = english.get(f"/p/{product.slug}").get_data(as_text=True)
    assert 'class="certificate-box"' in certificate_box(page)
    assert 'class="alternatives"' not in page


def alternative_names(page):
    section = re.search(r'<section class="alternatives".*?</section>', page, re.S).group(0)
    kinds = re.split(r"<h3>", section)[1:]
    return [(kind.split("</h3>")[0].strip(), re.findall(r'<h3 class="card-title">(.*?)</h3>', kind))
            for kind in kinds]


def test_not_sold_product_offers_listed_products_of_its_criteria_set_and_province(english, frozen_clock):
    home = make_entity("HTX Chè Hảo Đạt", province_code="19")
    lapsed = make_product("Chè hết hạn", entity=home, criteria_set_code="11")
    make_certificate(lapsed, valid_from=date(2022, 1, 1))
    make_listing(lapsed)
    make_listed("Chè Tân Cương xanh", entity=make_entity("HTX Sài Gòn Xanh", province_code="79"),
                criteria_set_code="11")
    make_listed("Mật ong Thái Nguyên", entity=home, criteria_set_code="05")
    make_listed("Nước mắm Phú Quốc", entity=make_entity("CTCP Khải Hoàn", province_code="91"),
                criteria_set_code="09")
    hidden = make_product("Chè chưa đăng bán", entity=home, criteria_set_code="11")
    make_certificate(hidden)
    make_listing(hidden, published=False)
    db.session.commit()

    page = english.get(f"/p/{lapsed.slug}").get_data(as_text=True)
    (set_heading, same_set), (province_heading, same_province) = alternative_names(page)
    assert same_set == ["Chè Tân Cương xanh"]
    assert same_province == ["Mật ong Thái Nguyên"]
    assert province_heading == "Also from Thái Nguyên"
    assert "Chè hết hạn" not in same_set + same_province  # never itself, never an unpublished or lapsed one


def test_alternatives_are_capped_and_not_repeated(english, frozen_clock):
    home = make_entity("HTX Chè Hảo Đạt", province_code="19")
    lapsed = make_product("Chè hết hạn", entity=home, criteria_set_code="11")
    make_certificate(lapsed, valid_from=date(2022, 1, 1))
    make_listing(lapsed)
    for n in range(6):
        make_listed(f"Chè Tân Cương {n}", entity=home, criteria_set_code="11")
    db.session.commit()
    found = alternative_names(english.get(f"/p/{lapsed.slug}").get_data(as_text=True))
    names = [name for _heading, items in found for name in items]
    assert len(names) == len(set(names))
    assert len(found[0][1]) == 4
    assert len(names) == 6  # the two left over appear under the province
