"""Page and API query counts do not grow with the number of products shown (no N+1)."""

import pytest

from marketplace.extensions import db
from marketplace.registry.models import Product
from tests.factories import make_entity, make_listed
from tests.support.search_backend import POSTGRES_SEARCH

#: Statements a page may make: on the PostgreSQL backend a search is one (page, total and facets) or two (the typed
#: words' counts first), and the home page searches twice.
MOST = 8 if POSTGRES_SEARCH else 6

PAGES = ["/", "/search", "/search?q=che&province=19", "/province/thai-nguyen", "/api/v1/products",
         "/api/v1/products?q=che&group=I&sort=price_asc"]


def fill(count):
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    for n in range(count):
        make_listed(f"Chè Tân Cương loại {n}", stars=3 + n % 3, entity=entity, criteria_set_code="11")
    db.session.commit()


def queries_for(client, count_queries, url):
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("url", PAGES)
def test_query_count_is_bounded_and_constant(client, count_queries, frozen_clock, url):
    fill(3)
    few = queries_for(client, count_queries, url)
    fill(30)
    many = queries_for(client, count_queries, url)
    assert many == few
    assert many <= MOST


def test_product_page_and_detail_api_query_counts(client, count_queries, frozen_clock):
    fill(2)
    product_id = client.get("/api/v1/products").get_json()["items"][0]["id"]
    slug = client.get(f"/api/v1/products/{product_id}").get_json()["slug"]
    # Product page: product + certificates, the listing's photos (shop/images.images_for), its other sales channels
    # ("also available at", channels/services.product_channels), its package sizes (shop/services.variants_of),
    # and the units delivered (reviews/queries.units_sold). The view is counted without a write (core/pending: a job
    # writes the views in batches).
    assert queries_for(client, count_queries, f"/p/{slug}") == 6
    # Detail API: the same without the view counter.
    assert queries_for(client, count_queries, f"/api/v1/products/{product_id}") == 5


def test_basket_and_checkout_query_counts_do_not_grow_with_lines(client, count_queries, frozen_clock):
    from sqlalchemy import select

    from marketplace.shop.catalog.models import Listing
    from tests.factories import make_user

    buyer = make_user("customer")
    fill(3)
    client.login_as(buyer)
    for listing_id in db.session.scalars(select(Listing.id)).all()[:2]:
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    few = queries_for(client, count_queries, "/checkout")
    for listing_id in db.session.scalars(select(Listing.id)).all()[2:]:
        client.post_form("/cart/add", {"listing_id": listing_id, "quantity": 1})
    many = queries_for(client, count_queries, "/checkout")
    assert few == many
    assert many <= 8


VENDOR_PAGES = ["/vendor/", "/vendor/numbers", "/vendor/channels", "/vendor/listings/upload",
                "/vendor/products/{product}/listing", "/vendor/listings/{listing}/images"]
#: Queries per vendor page, including the session's user and membership loads (the numbers in the #7 note).
#: The dashboard's 11th is the count of returns and complaints waiting for the entity (#15).
VENDOR_BOUNDS = {"/vendor/": 11, "/vendor/numbers": 7, "/vendor/channels": 7, "/vendor/listings/upload": 3,
                 "/vendor/products/{product}/listing": 7, "/vendor/listings/{listing}/images": 5}


@pytest.mark.parametrize("page", VENDOR_PAGES)
def test_vendor_pages_do_not_grow_with_the_catalogue(client, count_queries, frozen_clock, page):
    from sqlalchemy import select

    from marketplace.channels.models import ProductChannel, SalesChannel
    from marketplace.registry.models import Product
    from marketplace.shop.catalog.models import Listing
    from tests.factories import make_user

    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    channel = SalesChannel(name="Tiki", kind="ecommerce")
    db.session.add(channel)
    owner = make_user("vendor", entity=entity)

    def add_products(start, stop):
        for n in range(start, stop):
            product = make_listed(f"Chè Tân Cương loại {n}", entity=entity)
            db.session.add(ProductChannel(product_id=product.id, channel_id=channel.id))
        db.session.commit()

    add_products(0, 2)
    product_id = db.session.scalar(select(Product.id).order_by(Product.id))
    url = page.format(product=product_id,
                      listing=db.session.scalar(select(Listing.id).where(Listing.product_id == product_id)))
    client.login_as(owner)
    db.session.expire_all()  # as in production: nothing of the previous request stays loaded
    few = queries_for(client, count_queries, url)
    add_products(2, 20)
    db.session.expire_all()
    many = queries_for(client, count_queries, url)
    assert many == few
    assert many <= VENDOR_BOUNDS[page]


def add_cover_photos():
    """Give every listing without photos two photo rows (the files are not needed to count queries)."""
    from sqlalchemy import select

    from marketplace.shop.catalog.models import Listing, ListingImage

    bare = select(Listing.id).where(~select(ListingImage.id).where(ListingImage.listing_id == Listing.id).exists())
    for listing_id in db.session.scalars(bare).all():
        db.session.add_all(ListingImage(listing_id=listing_id, position=n, filename=f"{listing_id:030x}{n:02x}.webp",
                                        thumbnail=f"{listing_id:030x}{n:02x}_t.webp", width=800, height=600)
                           for n in range(2))
    db.session.commit()


@pytest.mark.parametrize("url", PAGES[:4])
def test_cover_photos_on_cards_cost_no_extra_query(client, count_queries, frozen_clock, url):
    fill(3)
    without_photos = queries_for(client, count_queries, url)
    add_cover_photos()
    fill(30)
    add_cover_photos()
    assert queries_for(client, count_queries, url) == without_photos  # joined into the cards' query
    assert "/media/listings/" in client.get(url).get_data(as_text=True)


def test_not_sold_product_page_with_alternatives_is_bounded(client, count_queries, frozen_clock):
    from datetime import date

    from tests.factories import make_certificate, make_listing, make_product

    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    lapsed = make_product("Chè hết hạn", entity=entity, criteria_set_code="11")
    make_certificate(lapsed, valid_from=date(2022, 1, 1))
    make_listing(lapsed)
    fill(2)
    few = queries_for(client, count_queries, f"/p/{lapsed.slug}")
    fill(20)
    add_cover_photos()
    # product + certificates, photos, two id queries and the cards' two queries for the alternatives, units
    # delivered (the view is counted without a write: core/pending)
    assert queries_for(client, count_queries, f"/p/{lapsed.slug}") == few == 8


def test_product_page_with_reviews_has_a_fixed_query_count(client, count_queries, frozen_clock):
    """Reviews add three queries whatever their number: the distribution, one page of reviews with their authors
    (photo reviews first), and those reviews' photos; a product without reviews reads none of them."""
    from sqlalchemy import select

    from marketplace.reviews import services as reviews
    from marketplace.reviews.models import ReviewPhoto
    from tests.factories import make_user
    from tests.functional.test_reviews import order_line

    fill(1)
    product = db.session.scalar(select(Product))
    slug = product.slug
    without = queries_for(client, count_queries, f"/p/{slug}")

    def add_reviews(count):
        for n in range(count):
            buyer = make_user("customer", name=f"Người mua {n}")
            review, _ = reviews.write(buyer, order_line(buyer, product), 1 + n % 5, f"Đánh giá {n}")
            db.session.add(ReviewPhoto(review_id=review.id, position=0, filename=f"{n:032x}.webp",
                                       thumbnail=f"{n:032x}_t.webp", width=400, height=300, status="ready"))
        db.session.commit()

    add_reviews(2)
    few = queries_for(client, count_queries, f"/p/{slug}")
    add_reviews(12)
    assert queries_for(client, count_queries, f"/p/{slug}") == few == without + 3 == 9


CACHED_PAGES = PAGES + ["/p/{slug}", "/api/v1/products/{id}", "/verify/{code}", "/e/{entity}"]


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_a_page_served_from_the_page_cache_makes_no_query(app, client, count_queries, frozen_clock, url):
    from marketplace.core import pagecache
    from marketplace.registry.models import Certificate, Entity

    fill(3)
    product = db.session.scalar(select_first(Product))
    values = {"slug": product.slug, "id": product.id, "entity": db.session.get(Entity, product.entity_id).slug,
              "code": db.session.scalar(select_first(Certificate)).code}
    app.config["PAGE_CACHE"] = "on"
    pagecache.clear()
    try:
        client.get(url.format(**values))
        with count_queries() as counter:
            answer = client.get(url.format(**values))
    finally:
        app.config["PAGE_CACHE"] = "off"
    assert answer.headers["X-Page-Cache"] == "hit"
    assert counter.count == 0


def select_first(model):
    from sqlalchemy import select

    return select(model).order_by(model.id).limit(1)
