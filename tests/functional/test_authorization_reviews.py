"""Every review route × every kind of user (the matrix's actors and world): the status, and nothing changed when
refused (reviews, reports, events, replies, the listing's counters, mail)."""

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.reviews import services
from marketplace.reviews.models import Review, ReviewEvent, ReviewPhoto, ReviewReport
from marketplace.shop.catalog.models import Listing
from tests.factories import make_user
from tests.functional.test_authorization_matrix import ACTORS, world  # noqa: F401  (the matrix's world fixture)
from tests.functional.test_reviews import order_line

ANON = {"anonymous": 302}
SELLERS = {"member_other": 200, "member_this": 200, "staff_this": 200}
UNKNOWN_PHOTO = "0" * 32 + ".webp"
ROUTES = [
    ("GET", "/account/reviews", {**ANON, "default": 200}),
    ("GET", "/account/reviews/lines/{line_a}", {**ANON, "default": 404, "customer": 200}),
    ("POST", "/account/reviews/lines/{line_a}", {**ANON, "default": 404, "customer": 302}),
    ("GET", "/account/reviews/lines/{line_undelivered}", {**ANON, "default": 404, "customer": 302}),
    ("POST", "/account/reviews/lines/{line_undelivered}", {**ANON, "default": 404, "customer": 422}),
    ("POST", "/account/reviews/{review_a}/report", {**ANON, "default": 302}),
    ("POST", "/account/reviews/{review_held}/report", {**ANON, "default": 404}),
    ("GET", "/vendor/reviews", {**ANON, "default": 403, **SELLERS}),
    ("POST", "/vendor/reviews/{review_a}/reply", {**ANON, "default": 403, "member_other": 404, "member_this": 302,
                                                   "staff_this": 302}),
    ("GET", "/admin/reviews", {**ANON, "default": 403, "admin": 200}),
    ("POST", "/admin/reviews/{review_a}", {**ANON, "default": 403, "admin": 302}),
    ("POST", "/admin/reviews/{review_held}", {**ANON, "default": 403, "admin": 302}),
    ("GET", "/media/reviews/" + UNKNOWN_PHOTO, {"default": 404}),
    ("GET", "/media/reviews/not-a-photo.txt", {"default": 404}),
]
FORM_DATA = {
    "/account/reviews/lines/{line_a}": {"rating": "4", "body": "Chè thơm"},
    "/account/reviews/lines/{line_undelivered}": {"rating": "4", "body": "Chưa nhận"},
    "/account/reviews/{review_a}/report": {"reason": "spam"},
    "/account/reviews/{review_held}/report": {"reason": "spam"},
    "/vendor/reviews/{review_a}/reply": {"reply": "Cảm ơn anh chị!"},
    "/admin/reviews/{review_a}": {"decision": "remove"},
    "/admin/reviews/{review_held}": {"decision": "publish"},
}
CASES = [(method, path, actor, expected.get(actor, expected["default"]))
         for method, path, expected in ROUTES for actor in ACTORS]


@pytest.fixture
def reviews_world(world, frozen_clock):  # noqa: F811  (the imported fixture, requested by name)
    """The matrix's world plus: the customer's delivered line of product A and one not delivered yet, a published
    review of product A by another buyer, and one held by the word filter."""
    product = db.session.get(Product, world["product_a"])
    customer = world["users"]["customer"]
    reviewer, rude = make_user("customer", email="reviewer@test.example"), make_user("customer")
    published, _ = services.write(reviewer, order_line(reviewer, product), 5, "Rất ngon")
    held, _ = services.write(rude, order_line(rude, product), 1, "đồ ngu")
    line_a = order_line(customer, product)
    undelivered = order_line(customer, product, status="shipped")
    db.session.commit()
    return {**world, "line_a": line_a.id, "line_undelivered": undelivered.id, "review_a": published.id,
            "review_held": held.id}


def snapshot():
    """What a refused request must leave as it was."""
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (Review, ReviewReport, ReviewEvent, ReviewPhoto))
    reviews = tuple(db.session.execute(select(Review.id, Review.status, Review.rating, Review.reply, Review.cleared)
                                       .order_by(Review.id)).all())
    counters = tuple(db.session.execute(select(Listing.id, Listing.rating_count, Listing.rating_sum)
                                        .order_by(Listing.id)).all())
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    mails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    return counts, reviews, counters, mails


@pytest.mark.parametrize(("method", "path", "actor", "status"), CASES,
                         ids=[f"{m} {p} {a}" for m, p, a, _ in CASES])
def test_review_route_answers_each_kind_of_user(client, reviews_world, method, path, actor, status):
    if actor != "anonymous":
        client.login_as(reviews_world["users"][actor])
    url = path.format(**reviews_world)
    db.session.expire_all()
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post_form(url, FORM_DATA.get(path, {}),
                                                                          content_type="multipart/form-data")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    if status in (401, 403, 404, 422) or method == "GET" or actor == "anonymous":
        assert snapshot() == before
    if actor == "anonymous" and status == 302:
        assert "/login?next=" in response.headers["Location"]


def test_an_author_reporting_their_own_review_changes_nothing(client, reviews_world):
    reviewer = db.session.scalar(select(Review.user_id).where(Review.id == reviews_world["review_a"]))
    client.login_as(db.session.get(User, reviewer))
    before = snapshot()
    client.post_form(f"/account/reviews/{reviews_world['review_a']}/report", {"reason": "spam"})
    db.session.expire_all()
    assert snapshot() == before


def test_guessed_review_and_line_ids_outside_the_scope_are_not_found(client, reviews_world):
    client.login_as(reviews_world["users"]["member_other"])
    for review_id in range(1, 8):
        assert client.post_form(f"/vendor/reviews/{review_id}/reply", {"reply": "x"}).status_code == 404
    client.login_as(reviews_world["users"]["officer_this"])
    for line_id in range(1, 8):
        assert client.post_form(f"/account/reviews/lines/{line_id}", {"rating": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Review)) == 2
    assert db.session.scalar(select(func.count()).where(Review.reply.is_not(None))) == 0
