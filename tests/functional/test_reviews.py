"""Ratings and reviews from verified buyers: only delivered lines, once per line, a 30-day edit window on the frozen
clock, one vendor reply, reports hide until an admin decides, the word filter holds, figures on a hand-computed
fixture, photos through the listing photo pipeline, and reviews that outlive a certificate's renewal."""

import io
import itertools
from datetime import date, time, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.core.clock import today
from marketplace.core.errors import Refused
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.registry import lifecycle
from marketplace.registry.models import Certificate
from marketplace.reviews import queries, services
from marketplace.reviews.models import Review, ReviewEvent, ReviewPhoto, ReviewReport
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, OrderLine, VendorOrder
from tests.factories import make_entity, make_listed, make_user

_references = itertools.count(1)


def order_line(buyer, product, quantity=1, status="delivered", price=100_000):
    """A line of ``buyer``'s order (a guest's when None) for ``product``, its vendor order in ``status``."""
    order = Order(reference=f"OCOP-REV-{next(_references):05d}", user_id=buyer.id if buyer else None,
                  email=buyer.email if buyer else "guest@test.example", name="Nguyễn Văn An", phone="0912345678",
                  province_code="19", ward="Phường Bá Xuyên", address="1 Hoàng Văn Thụ", status=status,
                  payment_method="cod", subtotal_vnd=price * quantity, shipping_vnd=0, total_vnd=price * quantity)
    db.session.add(order)
    db.session.flush()
    part = VendorOrder(order_id=order.id, entity_id=product.entity_id, entity_name="HTX", status=status,
                       subtotal_vnd=price * quantity, shipping_vnd=0)
    db.session.add(part)
    db.session.flush()
    line = OrderLine(vendor_order_id=part.id, product_id=product.id, product_name=product.name, entity_name="HTX",
                     certificate_number="1/QĐ-UBND", stars=4, unit_price_vnd=price, quantity=quantity)
    db.session.add(line)
    db.session.flush()
    return line


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


@pytest.fixture
def shop(frozen_clock, app, tmp_path, monkeypatch):
    """A listed product of entity A, its vendor, a buyer with a delivered line, an admin and another customer."""
    monkeypatch.setitem(app.config, "REVIEW_MEDIA_DIR", str(tmp_path / "reviews"))
    monkeypatch.setitem(app.config, "MEDIA_ORIGINALS_DIR", str(tmp_path / "originals"))
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    product = make_listed("Chè Đinh Tân Cương", stars=4, entity=entity)
    buyer = make_user("customer", name="Nguyễn Văn An")
    world = {"entity": entity, "product": product, "buyer": buyer, "vendor": make_user("vendor", entity=entity),
             "admin": make_user("admin"), "other": make_user("customer", name="Trần Thị Bình"),
             "line": order_line(buyer, product, quantity=2), "clock": frozen_clock, "media": tmp_path / "reviews"}
    db.session.commit()
    return world


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English: the messages asserted below are the msgids."""
    client.get("/lang/en")


def write(client, line, rating="5", body="Chè thơm, đóng gói cẩn thận.", **extra):
    return client.post_form(f"/account/reviews/lines/{line.id}", {"rating": rating, "body": body, **extra},
                            content_type="multipart/form-data")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- only delivered lines, once ----------------------------------------------------------------------------


def test_the_buyer_reviews_a_delivered_line_and_the_vendor_is_mailed(client, shop):
    client.login_as(shop["buyer"])
    assert client.get(f"/account/reviews/lines/{shop['line'].id}").status_code == 200
    response = write(client, shop["line"])
    assert response.status_code == 302
    review = db.session.scalar(select(Review))
    assert (review.status, review.rating, review.product_id) == ("published", 5, shop["product"].id)
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (1, 5)
    events = db.session.scalars(select(ReviewEvent.to_status)).all()
    assert events == ["published"]
    mails = [m for m in outbox_messages() if m["To"] == shop["vendor"].email]
    assert len(mails) == 1 and "Chè Đinh Tân Cương" in mails[0]["Subject"]


def test_a_forged_post_for_someone_elses_line_is_not_found(client, shop):
    client.login_as(shop["other"])
    assert write(client, shop["line"]).status_code == 404
    assert client.get(f"/account/reviews/lines/{shop['line'].id}").status_code == 404
    assert count(Review) == 0


def test_a_guest_order_line_cannot_be_reviewed(client, shop):
    guest_line = order_line(None, shop["product"])
    db.session.commit()
    client.login_as(shop["buyer"])
    assert write(client, guest_line).status_code == 404
    assert count(Review) == 0


@pytest.mark.parametrize("status", ["pending_payment", "processing", "shipped", "cancelled", "returned"])
def test_an_undelivered_line_cannot_be_reviewed_even_by_a_forged_post(client, shop, status):
    line = order_line(shop["buyer"], shop["product"], status=status)
    db.session.commit()
    client.login_as(shop["buyer"])
    page = client.get(f"/account/reviews/lines/{line.id}", follow_redirects=True).get_data(as_text=True)
    assert "once its parcel has been delivered" in page
    response = write(client, line)
    assert response.status_code == 422
    assert "once its parcel has been delivered" in response.get_data(as_text=True)
    assert count(Review) == 0
    with pytest.raises(Refused):
        services.write(shop["buyer"], line, 5, "ok")


def test_one_review_per_line(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="4")
    with pytest.raises(Refused):
        services.write(shop["buyer"], shop["line"], 1, "again")
    db.session.rollback()
    assert count(Review) == 1
    # a second line of the same product (another order) may be reviewed too
    second = order_line(shop["buyer"], shop["product"])
    db.session.commit()
    assert write(client, second, rating="2").status_code == 302
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (2, 6)


@pytest.mark.parametrize("rating", ["0", "6", "", "năm", "4.5"])
def test_a_rating_outside_one_to_five_is_refused(client, shop, rating):
    client.login_as(shop["buyer"])
    response = write(client, shop["line"], rating=rating)
    assert response.status_code == 422
    assert "1 to 5 stars" in response.get_data(as_text=True)
    assert count(Review) == 0


# --- the 30-day edit window ----------------------------------------------------------------------------------


def test_the_review_is_editable_for_thirty_days_on_the_frozen_clock(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="5")
    shop["clock"].set(date(2026, 11, 23) + timedelta(days=30))  # written at noon on the 23rd: still noon, day 30
    assert write(client, shop["line"], rating="3", body="Hơi nhạt.").status_code == 302
    review = db.session.scalar(select(Review))
    assert (review.rating, review.body) == (3, "Hơi nhạt.")
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (1, 3)
    shop["clock"].set(date(2026, 11, 23) + timedelta(days=30), at=time(12, 1))
    response = write(client, shop["line"], rating="1", body="Sửa lần nữa")
    assert response.status_code == 422
    assert "edited for 30 days" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Review.rating)) == 3


# --- the vendor's one reply ----------------------------------------------------------------------------------


def test_the_vendor_replies_once_publicly(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"])
    review_id = db.session.scalar(select(Review.id))
    client.login_as(shop["vendor"])
    assert "Chè thơm" in client.get("/vendor/reviews").get_data(as_text=True)
    client.post_form(f"/vendor/reviews/{review_id}/reply", {"reply": "Cảm ơn anh đã ủng hộ!"})
    page = client.post_form(f"/vendor/reviews/{review_id}/reply", {"reply": "Lần hai"},
                            follow_redirects=True).get_data(as_text=True)
    assert "one reply" in page
    db.session.expire_all()
    assert db.session.scalar(select(Review.reply)) == "Cảm ơn anh đã ủng hộ!"
    product_page = client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
    assert "Cảm ơn anh đã ủng hộ!" in product_page and "Lần hai" not in product_page


def test_a_vendor_of_another_entity_cannot_reply(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"])
    review_id = db.session.scalar(select(Review.id))
    client.login_as(make_user("vendor", entity=make_entity("HTX Khác", province_code="79")))
    db.session.commit()
    assert client.post_form(f"/vendor/reviews/{review_id}/reply", {"reply": "Hàng giả!"}).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(Review.reply)) is None


def test_an_abusive_reply_is_refused(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"])
    review = db.session.scalar(select(Review))
    with pytest.raises(Refused):
        services.reply(shop["vendor"], review, "Đồ ngu, đừng mua nữa")


# --- reports and moderation ----------------------------------------------------------------------------------


def test_a_report_hides_the_review_until_an_admin_restores_it(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="4")
    review_id = db.session.scalar(select(Review.id))
    client.login_as(shop["other"])
    client.post_form(f"/account/reviews/{review_id}/report", {"reason": "spam", "note": "quảng cáo"})
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == "hidden"
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (0, 0)
    assert "Chè thơm" not in client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)

    client.login_as(shop["admin"])
    queue = client.get("/admin/reviews").get_data(as_text=True)
    assert "Chè thơm" in queue and "quảng cáo" in queue
    client.post_form(f"/admin/reviews/{review_id}", {"decision": "publish"})
    db.session.expire_all()
    review = db.session.get(Review, review_id)
    assert (review.status, review.cleared) == ("published", True)
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (1, 4)
    assert db.session.scalar(select(ReviewReport.resolved_at)) is not None
    # kept by an admin: a later report waits in the queue without hiding it
    third = make_user("customer")
    db.session.commit()
    client.login_as(third)
    client.post_form(f"/account/reviews/{review_id}/report", {"reason": "abusive"})
    db.session.expire_all()
    assert db.session.get(Review, review_id).status == "published"
    client.login_as(shop["admin"])
    assert "Chè thơm" in client.get("/admin/reviews").get_data(as_text=True)


def test_the_admin_removes_a_reported_review(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="1", body="Giao chậm")
    review_id = db.session.scalar(select(Review.id))
    client.login_as(shop["other"])
    client.post_form(f"/account/reviews/{review_id}/report", {"reason": "off_topic"})
    client.login_as(shop["admin"])
    client.post_form(f"/admin/reviews/{review_id}", {"decision": "remove", "note": "Không liên quan"})
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == "removed"
    assert listing_of(shop["product"]).rating_count == 0
    assert client.post_form(f"/admin/reviews/{review_id}", {"decision": "publish"}).status_code == 404
    client.login_as(shop["buyer"])  # a removed review can no longer be edited
    assert write(client, shop["line"], rating="5").status_code == 422
    moves = db.session.execute(select(ReviewEvent.from_status, ReviewEvent.to_status, ReviewEvent.actor)
                               .where(ReviewEvent.action == "moved").order_by(ReviewEvent.id)).all()
    assert moves == [(None, "published", shop["buyer"].email), ("published", "hidden", shop["other"].email),
                     ("hidden", "removed", shop["admin"].email)]


def test_reports_are_refused_for_bad_input_own_reviews_and_twice(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"])
    review = db.session.scalar(select(Review))
    with pytest.raises(Refused):
        services.report(shop["buyer"], review, "spam")
    with pytest.raises(Refused):
        services.report(shop["other"], review, "because")
    client.login_as(shop["other"])
    client.post_form(f"/account/reviews/{review.id}/report", {"reason": "spam"})
    page = client.post_form(f"/account/reviews/{review.id}/report", {"reason": "spam"},
                            follow_redirects=True).get_data(as_text=True)
    assert "already" in page
    assert count(ReviewReport) == 1
    assert client.post_form("/account/reviews/999999/report", {"reason": "spam"}).status_code == 404


def test_a_vendor_reporting_a_review_of_its_own_product_does_not_hide_it(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="1", body="Chè bị ẩm")
    review_id = db.session.scalar(select(Review.id))
    client.login_as(shop["vendor"])
    client.post_form(f"/account/reviews/{review_id}/report", {"reason": "other"})
    db.session.expire_all()
    assert db.session.get(Review, review_id).status == "published"
    assert count(ReviewReport) == 1


# --- the word filter ---------------------------------------------------------------------------------------


def test_the_word_filter_holds_abuse_until_an_admin_publishes_it(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="1", body="Shop lừa đảo, đồ khốn nạn")
    review = db.session.scalar(select(Review))
    assert (review.status, review.held_words) == ("held", "đồ khốn, khốn nạn")
    assert listing_of(shop["product"]).rating_count == 0
    assert "lừa đảo" not in client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)
    assert not [m for m in outbox_messages() if m["To"] == shop["vendor"].email]  # the vendor hears once shown
    client.login_as(shop["admin"])
    assert "khốn nạn" in client.get("/admin/reviews").get_data(as_text=True)
    client.post_form(f"/admin/reviews/{review.id}", {"decision": "publish"})
    db.session.expire_all()
    assert db.session.get(Review, review.id).status == "published"
    assert [m for m in outbox_messages() if m["To"] == shop["vendor"].email]


def test_an_edit_into_abuse_holds_and_a_clean_edit_publishes(client, shop):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="5")
    write(client, shop["line"], rating="2", body="What a piece of shit")
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == "held"
    assert listing_of(shop["product"]).rating_count == 0
    write(client, shop["line"], rating="2", body="Not great, a bit stale.")
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == "published"
    assert (listing_of(shop["product"]).rating_count, listing_of(shop["product"]).rating_sum) == (1, 2)


# --- figures ---------------------------------------------------------------------------------------------------


def test_average_distribution_and_units_sold_match_a_hand_computed_fixture(client, shop):
    """Ratings 5, 5, 4, 3, 1 → 18 / 5 = 3.6; distribution {5: 2, 4: 1, 3: 1, 2: 0, 1: 1}. One 2-star review is
    held by the filter and does not count. Delivered units: 2 (the fixture's line) + 5 × 1 + 1 held = 8; an
    undelivered line of 4 units does not count."""
    product = shop["product"]
    for rating in (5, 5, 4, 3, 1):
        buyer = make_user("customer")
        services.write(buyer, order_line(buyer, product), rating, "Được")
    abusive = make_user("customer")
    services.write(abusive, order_line(abusive, product), 2, "fuck this")
    order_line(shop["buyer"], product, quantity=4, status="shipped")
    db.session.commit()
    found = queries.summary(product.id)
    assert found.count == 5
    assert found.average == 3.6
    assert found.distribution == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1}
    assert queries.units_sold(product.id) == 8
    listing = listing_of(product)
    assert (listing.rating_count, listing.rating_sum, listing.rating_average) == (5, 18, 3.6)
    client.get("/lang/en")
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "<strong>3.6</strong>/5" in page
    assert "5 reviews" in page and "8 units delivered to buyers" in page
    assert 'value="2"' in page  # the 5-star bar
    client.get("/lang/vi")
    assert "<strong>3,6</strong>/5" in client.get(f"/p/{product.slug}").get_data(as_text=True)


def test_cards_show_the_rating_and_count_only_when_reviewed(client, shop):
    client.get("/lang/en")
    assert "review" not in client.get("/search").get_data(as_text=True).split('class="grid"')[1]
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="4")
    for url in ("/", "/search", f"/e/{shop['entity'].slug}", "/province/thai-nguyen"):
        page = client.get(url).get_data(as_text=True)
        assert "4.0/5 · 1 review" in page, url


def test_the_product_page_shows_photo_reviews_first(client, shop):
    product = shop["product"]
    plain, pictured = make_user("customer", name="Lê Văn Cường"), make_user("customer", name="Phạm Thị Dung")
    services.write(plain, order_line(plain, product), 4, "Không ảnh")
    shop["clock"].set(date(2026, 11, 20))  # older, but with a photo
    review, _ = services.write(pictured, order_line(pictured, product), 5, "Có ảnh")
    db.session.add(ReviewPhoto(review_id=review.id, position=0, filename="a" * 32 + ".webp",
                               thumbnail="a" * 32 + "_t.webp", width=400, height=300, status="ready"))
    db.session.commit()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert page.index("Có ảnh") < page.index("Không ảnh")
    assert "Dung" in page and "Phạm Thị Dung" not in page  # the given name only


# --- photos through the listing pipeline --------------------------------------------------------------------------


def jpeg(size=(300, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_review_photos_are_processed_stored_and_served(client, shop):
    client.get("/lang/en")
    client.login_as(shop["buyer"])
    response = client.post_form(f"/account/reviews/lines/{shop['line'].id}",
                                {"rating": "5", "body": "Kèm ảnh",
                                 "photos": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(b"not an image"), "b.jpg")]},
                                content_type="multipart/form-data", follow_redirects=True)
    assert "b.jpg was not added" in response.get_data(as_text=True)
    photo = db.session.scalar(select(ReviewPhoto))
    assert photo.status == "ready"  # the job ran after the commit (no queue in tests)
    assert (shop["media"] / photo.filename).is_file() and (shop["media"] / photo.thumbnail).is_file()
    with client.get(f"/media/reviews/{photo.thumbnail}") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert "immutable" in served.headers["Cache-Control"]
    assert client.get("/media/reviews/../secret.webp").status_code == 404
    assert photo.thumbnail in client.get(f"/p/{shop['product'].slug}").get_data(as_text=True)


def test_at_most_five_photos_and_removal(client, shop):
    client.get("/lang/en")
    client.login_as(shop["buyer"])
    files = [(io.BytesIO(jpeg()), f"{n}.jpg") for n in range(6)]
    page = client.post_form(f"/account/reviews/lines/{shop['line'].id}", {"rating": "5", "photos": files},
                            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "at most 5 photos" in page
    assert count(ReviewPhoto) == 5
    first = db.session.scalar(select(ReviewPhoto).order_by(ReviewPhoto.position))
    write(client, shop["line"], remove_photo=str(first.id))
    assert count(ReviewPhoto) == 4
    assert not (shop["media"] / first.filename).exists()


# --- the product stays the same ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "stars"), [(lifecycle.renew, 4), (lifecycle.upgrade, 5)])
def test_reviews_survive_the_certificates_renewal_and_upgrade(client, shop, move, stars):
    client.login_as(shop["buyer"])
    write(client, shop["line"], rating="5", body="Ngon như mọi năm")
    product = shop["product"]
    old = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    move(make_user("officer"), old, product, lifecycle.Decision("99/QĐ-UBND-099", "99/QĐ-UBND", today(), "UBND", stars))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.product_id == product.id)) == 2
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Ngon như mọi năm" in page
    assert queries.summary(product.id).count == 1
    assert listing_of(product).rating_count == 1


def test_the_order_page_links_each_delivered_line_to_its_review(client, shop):
    shipped = order_line(shop["buyer"], shop["product"], status="shipped")
    db.session.commit()
    client.login_as(shop["buyer"])
    reference = db.session.scalar(select(Order.reference).join(VendorOrder).where(VendorOrder.id ==
                                                                                shop["line"].vendor_order_id))
    assert f"/account/reviews/lines/{shop['line'].id}" in client.get(f"/orders/{reference}").get_data(as_text=True)
    other = db.session.scalar(select(Order.reference).join(VendorOrder).where(VendorOrder.id ==
                                                                            shipped.vendor_order_id))
    assert "/account/reviews/lines/" not in client.get(f"/orders/{other}").get_data(as_text=True)
    assert "Chè Đinh Tân Cương" in client.get("/account/reviews").get_data(as_text=True)


HOSTILE = ["", "-1", "99999999999999999999999", "5.0", "x" * 5000, "<script>alert(1)</script>", "１", "\u202e5",
           "'; DROP TABLE review; --"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_on_every_review_form_answer_without_a_500(client, shop, value):
    client.login_as(shop["buyer"])
    assert write(client, shop["line"], rating=value, body=value, remove_photo=value).status_code in (302, 422)
    write(client, shop["line"])
    review_id = db.session.scalar(select(Review.id))
    client.login_as(shop["other"])
    assert client.post_form(f"/account/reviews/{review_id}/report", {"reason": value, "note": value,
                                                                      "next": value}).status_code == 302
    client.login_as(shop["vendor"])
    assert client.post_form(f"/vendor/reviews/{review_id}/reply", {"reply": value}).status_code == 302
    client.login_as(shop["admin"])
    assert client.post_form(f"/admin/reviews/{review_id}", {"decision": value, "note": value}).status_code == 302
    assert client.get(f"/p/{shop['product'].slug}?reviews={value}").status_code == 200
    assert client.get(f"/media/reviews/{value}").status_code in (400, 404)
