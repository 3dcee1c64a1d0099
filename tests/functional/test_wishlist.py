"""The wishlist (signed-in buyers) and "recently viewed" (localStorage for visitors, stored for buyers)."""

from datetime import date

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.jobs.scheduled import flush_views
from marketplace.shop.cart.wishlist import RECENT_LIMIT, SESSION_KEY, RecentlyViewed, WishlistItem
from tests.factories import PASSWORD, make_listed, make_user


def page_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_heart_saves_and_removes_a_product(client, catalogue):
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    che = catalogue["che"]
    page = page_of(client.get(f"/p/{che.slug}"))
    assert f'action="/account/wishlist/{che.id}"' in page and 'aria-pressed="false"' in page
    response = client.post_form(f"/account/wishlist/{che.id}", {"next": f"/p/{che.slug}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/p/{che.slug}"
    client.post_form(f"/account/wishlist/{che.id}")  # twice: still one entry
    assert db.session.scalar(select(func.count()).select_from(WishlistItem)) == 1
    assert 'aria-pressed="true"' in page_of(client.get(f"/p/{che.slug}"))
    assert "Chè Đinh Tân Cương" in page_of(client.get("/account/wishlist"))
    client.post_form(f"/account/wishlist/{che.id}/remove")
    wished = page_of(client.get("/account/wishlist")).split("<h1>", 1)[1].split('id="h-recent"', 1)[0]
    assert "Chè Đinh Tân Cương" not in wished and "Bạn chưa lưu sản phẩm nào" in wished


def test_the_wishlist_shows_only_listed_products(client, catalogue, frozen_clock):
    buyer = make_user("customer")
    db.session.commit()
    client.login_as(buyer)
    for name in ("mam", "expired"):
        client.post_form(f"/account/wishlist/{catalogue[name].id}")
    page = page_of(client.get("/account/wishlist"))
    assert "Nước mắm Phú Quốc 40 độ đạm" in page and "Mắm tôm hết hạn" not in page
    frozen_clock.set(date(2040, 1, 1))  # every certificate has lapsed: the list keeps them, the page shows none
    page = page_of(client.get("/account/wishlist"))
    assert "Nước mắm Phú Quốc 40 độ đạm" not in page
    assert db.session.scalar(select(func.count()).select_from(WishlistItem)) == 2


def test_visitors_are_asked_to_sign_in_and_cannot_post(client, catalogue):
    page = page_of(client.get(f"/p/{catalogue['che'].slug}"))
    assert f'/login?next=/p/{catalogue["che"].slug}' in page
    assert client.get("/account/wishlist").status_code == 302
    assert client.post_form(f"/account/wishlist/{catalogue['che'].id}").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(WishlistItem)) == 0


def test_one_buyers_wishlist_is_not_anothers(client, catalogue):
    first, second = make_user("customer"), make_user("customer")
    db.session.commit()
    client.login_as(first)
    client.post_form(f"/account/wishlist/{catalogue['che'].id}")
    client.login_as(second)
    assert "Chè Đinh Tân Cương" not in page_of(client.get("/account/wishlist"))  # nor viewed by this buyer
    client.post_form(f"/account/wishlist/{catalogue['che'].id}/remove")
    assert db.session.scalar(select(func.count()).select_from(WishlistItem)) == 1


def test_a_visitor_s_recently_viewed_stays_in_the_browser_not_the_session(client, catalogue):
    for name in ("che", "mam", "che"):
        page = page_of(client.get(f"/p/{catalogue[name].slug}"))
        assert f'data-product-id="{catalogue[name].id}"' in page  # static/js/session-bits.js keeps it
    with client.session_transaction() as session:
        assert SESSION_KEY not in session
    assert db.session.scalar(select(func.count()).select_from(RecentlyViewed)) == 0


def test_a_session_s_recently_viewed_still_follows_sign_in(client, catalogue):
    with client.session_transaction() as session:  # kept by a session from before views moved to the browser
        session[SESSION_KEY] = [catalogue["che"].id, catalogue["mam"].id]
    buyer = make_user("customer", email="viewer@test.example")
    db.session.commit()
    client.post_form("/login", {"email": "viewer@test.example", "password": PASSWORD})
    page = page_of(client.get("/account/wishlist"))
    recent = page.split('id="h-recent"', 1)[1]
    assert recent.index("Chè Đinh Tân Cương") < recent.index("Nước mắm Phú Quốc")
    assert db.session.scalar(select(func.count()).where(RecentlyViewed.user_id == buyer.id)) == 2


def test_a_buyer_keeps_the_last_ten_views_and_only_listed_ones_are_shown(client, catalogue):
    buyer = make_user("customer")
    extra = [make_listed(f"Mật ong bạc hà {n}", criteria_set_code="07") for n in range(RECENT_LIMIT)]
    db.session.commit()
    client.login_as(buyer)
    page_of(client.get(f"/p/{catalogue['expired'].slug}"))
    for product in extra:
        page_of(client.get(f"/p/{product.slug}"))
    assert db.session.scalar(select(func.count()).select_from(RecentlyViewed)) == 0  # a GET writes nothing
    flush_views()  # the job (every minute, or after PENDING_FLUSH_EVERY notes) stores them
    kept = db.session.scalars(select(RecentlyViewed.product_id).where(RecentlyViewed.user_id == buyer.id)).all()
    assert sorted(kept) == sorted(p.id for p in extra)
    page_of(client.get(f"/p/{catalogue['expired'].slug}"))
    page = page_of(client.get("/account/wishlist"))
    assert "Mắm tôm hết hạn" not in page and "Mật ong bạc hà 9" in page


def test_bots_do_not_fill_recently_viewed(client, catalogue):
    client.get(f"/p/{catalogue['che'].slug}", headers={"User-Agent": "Googlebot/2.1"})
    with client.session_transaction() as session:
        assert SESSION_KEY not in session
