"""Vendors' photos reach the cards: the cover (the ready photo of lowest position) is the card image, with srcset
and lazy loading; photos being prepared or refused by the photo job are never shown."""

import re

import pytest
from sqlalchemy import select

from marketplace.core import clock
from marketplace.extensions import db
from marketplace.shop.catalog import photos
from marketplace.shop.catalog.models import Listing, ListingImage
from marketplace.shop.catalog.queries import load_cards
from tests.factories import make_entity, make_listed


def add_photos(product, count, first_position=0, width=1600, height=1200, statuses=()):
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    statuses = list(statuses) + ["ready"] * (count - len(statuses))
    rows = [ListingImage(listing_id=listing.id, position=first_position + n, filename=f"{product.id:08x}{n:024x}.webp",
                         thumbnail=f"{product.id:08x}{n:024x}_t.webp", width=width, height=height,
                         status=statuses[n]) for n in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return listing, rows


@pytest.fixture
def shop(frozen_clock):
    """Two listed teas of Thái Nguyên, one with three photos, one without."""
    entity = make_entity("HTX Chè Hảo Đạt", province_code="19")
    with_photos = make_listed("Chè Đinh Tân Cương", entity=entity, criteria_set_code="11")
    without = make_listed("Chè búp Tân Cương", entity=entity, criteria_set_code="11")
    listing, rows = add_photos(with_photos, 3, first_position=1)  # photos uploaded before positions began at 0
    db.session.commit()
    return {"entity": entity, "with": with_photos, "without": without, "listing": listing, "rows": rows}


def card_image(page, name):
    """The <img> tag of the card titled ``name``."""
    for card in re.findall(r'<article class="card.*?</article>', page, re.S):
        title = re.search(r'<h3 class="card-title">(.*?)</h3>', card, re.S).group(1)
        if re.sub(r"<[^>]+>", "", title) == name:  # search results highlight the words found
            return re.search(r"<img[^>]*>", card, re.S).group(0)
    raise AssertionError(f"no card for {name}")


def test_load_cards_carries_the_cover_photo(shop):
    cards = {card.product.id: card for card in load_cards([shop["with"].id, shop["without"].id], clock.today())}
    assert cards[shop["with"].id].cover.id == shop["rows"][0].id
    assert cards[shop["without"].id].cover is None


@pytest.mark.parametrize("url", ["/", "/search?q=che", "/e/{entity}", "/province/thai-nguyen"])
def test_cards_show_the_cover_photo_else_the_letter_tile(client, shop, url):
    page = client.get(url.format(entity=shop["entity"].slug)).get_data(as_text=True)
    cover = shop["rows"][0]
    image = card_image(page, "Chè Đinh Tân Cương")
    assert f'src="/media/listings/{cover.thumbnail}"' in image
    assert f'/media/listings/{cover.thumbnail} 400w, /media/listings/{cover.filename} 1600w' in image
    assert 'loading="lazy"' in image and 'sizes="' in image
    assert 'width="1600" height="1200"' in image
    assert f'src="/media/products/{shop["without"].id}.svg"' in card_image(page, "Chè búp Tân Cương")


def test_the_vendor_chosen_cover_is_the_card_image(client, shop):
    photos.make_cover(shop["listing"], shop["rows"][2])
    db.session.commit()
    image = card_image(client.get("/search?q=che").get_data(as_text=True), "Chè Đinh Tân Cương")
    assert f'src="/media/listings/{shop["rows"][2].thumbnail}"' in image


def test_small_photo_srcset_uses_its_real_thumbnail_width(client, frozen_clock):
    product = make_listed("Mật ong bạc hà")
    _listing, (row,) = add_photos(product, 1, width=300, height=600)
    db.session.commit()
    image = card_image(client.get("/search").get_data(as_text=True), "Mật ong bạc hà")
    assert f"/media/listings/{row.thumbnail} 200w, /media/listings/{row.filename} 300w" in image


def test_photos_being_prepared_or_refused_are_neither_cover_nor_gallery(client, frozen_clock):
    product = make_listed("Mật ong bạc hà")
    _listing, (processing, failed, ready, later) = add_photos(product, 4, statuses=("processing", "failed"))
    db.session.commit()
    assert load_cards([product.id], clock.today())[0].cover.id == ready.id
    image = card_image(client.get("/search").get_data(as_text=True), "Mật ong bạc hà")
    assert f'src="/media/listings/{ready.thumbnail}"' in image
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/media/listings/{ready.filename}" in page and f"/media/listings/{later.filename}" in page
    assert processing.filename[:32] not in page and failed.filename[:32] not in page


def test_a_listing_whose_photos_are_all_being_prepared_shows_the_letter_tile(client, frozen_clock):
    product = make_listed("Mật ong bạc hà")
    add_photos(product, 2, statuses=("processing", "failed"))
    db.session.commit()
    assert load_cards([product.id], clock.today())[0].cover is None
    image = card_image(client.get("/search").get_data(as_text=True), "Mật ong bạc hà")
    assert f'src="/media/products/{product.id}.svg"' in image
