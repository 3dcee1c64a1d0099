"""Product pages carry OpenGraph/Twitter tags built from PUBLIC_URL, and plain share links (no third-party script).

A listed product without photos is previewed by a generated 1200 × 630 PNG (Zalo and Facebook take no SVG).
"""

import io
import re
from datetime import date
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing, ListingImage
from marketplace.shop.catalog.share_image import share_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def meta(page, prop):
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', page)
    return found.group(1) if found else None


def test_product_page_has_opengraph_tags_from_public_url(client, catalogue, app):
    che = catalogue["che"]
    page = client.get(f"/p/{che.slug}", headers={"Host": "attacker.example"}).get_data(as_text=True)
    base = app.config["PUBLIC_URL"]
    assert meta(page, "og:title") == "Chè Đinh Tân Cương"
    assert meta(page, "og:url") == f"{base}/p/{che.slug}"
    assert re.fullmatch(rf"{re.escape(base)}/media/products/{che.id}\.png\?v=[0-9a-f]{{16}}", meta(page, "og:image"))
    assert meta(page, "og:image:type") == "image/png"
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == meta(page, "og:image")
    assert "HTX Chè Hảo Đạt" in meta(page, "og:description") and "Thái Nguyên" in meta(page, "og:description")
    assert meta(page, "og:type") == "product" and meta(page, "og:locale") == "vi_VN"
    assert meta(page, "product:price:amount") == "350000" and meta(page, "product:price:currency") == "VND"
    assert meta(page, "twitter:title") == "Chè Đinh Tân Cương"
    assert "attacker.example" not in page


def test_og_image_is_the_cover_photo_when_the_listing_has_photos(client, catalogue, app, tmp_path):
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    listing = db.session.scalar(select(Listing).where(Listing.product_id == catalogue["mam"].id))
    db.session.add(ListingImage(listing_id=listing.id, position=0, filename="a" * 32 + ".webp",
                                thumbnail="b" * 32 + ".webp", width=1200, height=900))
    db.session.commit()
    page = client.get(f"/p/{catalogue['mam'].slug}").get_data(as_text=True)
    assert meta(page, "og:image") == f"{app.config['PUBLIC_URL']}/media/listings/{'a' * 32}.webp"
    assert meta(page, "og:image:width") == "1200" and meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:image:type") == "image/webp" and ".png" not in page


def test_share_links_are_plain_links_and_the_script_is_our_own(client, catalogue, app):
    che = catalogue["che"]
    page = client.get(f"/p/{che.slug}").get_data(as_text=True)
    encoded = f"{app.config['PUBLIC_URL']}/p/{che.slug}".replace(":", "%3A").replace("/", "%2F")
    assert f"https://www.facebook.com/sharer/sharer.php?u={encoded}" in page
    assert 'data-copy-url="' in page and 'data-share-url="' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(src.startswith("/static/") for src in scripts)
    assert "/static/js/share.js" in [src.split("?v=")[0] for src in scripts]  # addresses carry a fingerprint
    assert "<script>" not in page


def test_pages_without_a_product_have_no_product_tags(client, catalogue):
    assert meta(client.get("/").get_data(as_text=True), "og:type") is None


def test_english_page_says_so(client, catalogue):
    page = client.get(f"/p/{catalogue['che'].slug}?lang=en").get_data(as_text=True)
    assert meta(page, "og:locale") == "en_US"


def share_picture_path(client, product):
    """The path (with its version) of the share picture a product page names in og:image."""
    address = urlsplit(meta(client.get(f"/p/{product.slug}").get_data(as_text=True), "og:image"))
    return f"{address.path}?{address.query}"


def test_the_share_picture_is_a_1200_by_630_png_cached_with_an_etag(client, catalogue):
    path = share_picture_path(client, catalogue["che"])
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(response.data))
    assert picture.format == "PNG" and picture.size == (1200, 630)
    assert response.cache_control.public and response.cache_control.max_age == 7 * 86400
    etag, _weak = response.get_etag()
    assert etag == path.rsplit("v=", 1)[1]
    again = client.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.data == b""


def test_the_share_picture_draws_the_products_own_card(client, catalogue):
    che, tieu = client.get(share_picture_path(client, catalogue["che"])), client.get(
        share_picture_path(client, catalogue["tieu"]))  # out of stock, still listed
    assert tieu.status_code == 200 and tieu.data.startswith(PNG_MAGIC)
    assert che.data != tieu.data and che.get_etag() != tieu.get_etag()


def test_regrading_changes_the_pictures_version(client, catalogue):
    che = catalogue["che"]
    before = share_picture_path(client, che)
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == che.id))
    certificate.stars = 4
    db.session.commit()
    after = share_picture_path(client, che)
    assert after != before
    assert client.get(before).data == client.get(after).data  # the address is stable; the version is for caches
    assert client.get(after).get_etag()[0] == after.rsplit("v=", 1)[1]


def test_an_unlisted_products_picture_answers_404(client, catalogue, app):
    expired = catalogue["expired"]
    assert client.get(f"/media/products/{expired.id}.png").status_code == 404
    page = client.get(f"/p/{expired.slug}").get_data(as_text=True)
    assert meta(page, "og:image") == f"{app.config['PUBLIC_URL']}/media/products/{expired.id}.svg"
    assert meta(page, "og:image:type") is None and meta(page, "twitter:card") == "summary"
    assert client.get("/media/products/999999.png").status_code == 404


def test_the_picture_follows_the_storefront_rule_on_every_request(client, catalogue, frozen_clock):
    tra = catalogue["tra"]
    path = share_picture_path(client, tra)
    assert client.get(path).status_code == 200  # drawn, and now kept in memory
    listing = db.session.scalar(select(Listing).where(Listing.product_id == tra.id))
    listing.published = False
    db.session.commit()
    assert client.get(path).status_code == 404
    che = share_picture_path(client, catalogue["che"])
    assert client.get(che).status_code == 200
    frozen_clock.set(date(2029, 12, 1))  # the certificate lapsed in the night: no restart, no cache to clear
    assert client.get(che).status_code == 404


def test_the_share_picture_is_drawn_once_then_served_from_memory(client, catalogue):
    path = share_picture_path(client, catalogue["mam"])
    assert client.get(path).status_code == 200
    before = share_png.cache_info()
    for _ in range(5):
        assert client.get(path).status_code == 200
    after = share_png.cache_info()
    assert (after.misses, after.hits) == (before.misses, before.hits + 5)  # its cost: benchmarks/share_image_bench.py
