"""``sort=rating`` on /search and the API, the same on every backend: the Whoosh index (default), the PostgreSQL
backend (``TEST_SEARCH_BACKEND=postgres``) and the database fallback. Best average first, then most reviews, then
in stock and newest; unrated products last."""

import pytest
from sqlalchemy import select

from marketplace.core.clock import today
from marketplace.extensions import db
from marketplace.search import Filters, fallback
from marketplace.shop.catalog.models import Listing

#: (sum of stars, reviews) per catalogue product: averages 4.5, 4.5, 5.0, 4.0; "che" has no review.
RATINGS = {"tra": (9, 2), "mam": (18, 4), "gom": (5, 1), "tieu": (4, 1)}
EXPECTED = ["gom", "mam", "tra", "tieu", "che"]


@pytest.fixture
def rated(catalogue):
    for key, (total, count) in RATINGS.items():
        listing = db.session.scalar(select(Listing).where(Listing.product_id == catalogue[key].id))
        listing.rating_sum, listing.rating_count = total, count
    db.session.commit()
    return {catalogue[key].id: key for key in EXPECTED}


def test_the_api_sorts_by_rating(client, rated):
    data = client.get("/api/v1/products?sort=rating").get_json()
    assert [rated[item["id"]] for item in data["items"]] == EXPECTED
    typed = client.get("/api/v1/products?sort=rating&q=phu+quoc").get_json()
    assert [rated[item["id"]] for item in typed["items"]] == ["mam", "tieu"]


def test_the_search_page_sorts_by_rating_and_offers_it(client, rated, catalogue):
    client.get("/lang/en")
    page = client.get("/search?sort=rating").get_data(as_text=True)
    positions = [page.index(f"/p/{catalogue[key].slug}\"") for key in EXPECTED]
    assert positions == sorted(positions)
    assert "Best rated" in page


def test_the_database_fallback_sorts_the_same_way(app, rated):
    found = fallback.run(Filters(sort="rating"), today())
    assert [rated[product_id] for product_id in found.product_ids] == EXPECTED


def test_an_unknown_sort_is_still_refused(client, rated):
    response = client.get("/api/v1/products?sort=best")
    assert response.status_code == 400
    assert "rating" in response.get_data(as_text=True)
