"""Product pages carry OpenGraph/Twitter tags built from PUBLIC_URL, and plain share links (no third-party script)."""

import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing, ListingImage


def meta(page, prop):
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', page)
    return found.group(1) if found else None


def test_product_page_has_opengraph_tags_from_public_url(client, catalogue, app):
    che = catalogue["che"]
    page = client.get(f"/p/{che.slug}", headers={"Host": "attacker.example"}).get_data(as_text=True)
    base = app.config["PUBLIC_URL"]
    assert meta(page, "og:title") == "Chè Đinh Tân Cương"
    assert meta(page, "og:url") == f"{base}/p/{che.slug}"
    assert meta(page, "og:image") == f"{base}/media/products/{che.id}.svg"
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


def test_share_links_are_plain_links_and_the_script_is_our_own(client, catalogue, app):
    che = catalogue["che"]
    page = client.get(f"/p/{che.slug}").get_data(as_text=True)
    encoded = f"{app.config['PUBLIC_URL']}/p/{che.slug}".replace(":", "%3A").replace("/", "%2F")
    assert f"https://www.facebook.com/sharer/sharer.php?u={encoded}" in page
    assert 'data-copy-url="' in page and 'data-share-url="' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(src.startswith("/static/") for src in scripts) and "/static/js/share.js" in scripts
    assert "<script>" not in page


def test_pages_without_a_product_have_no_product_tags(client, catalogue):
    assert meta(client.get("/").get_data(as_text=True), "og:type") is None


def test_english_page_says_so(client, catalogue):
    page = client.get(f"/p/{catalogue['che'].slug}?lang=en").get_data(as_text=True)
    assert meta(page, "og:locale") == "en_US"
