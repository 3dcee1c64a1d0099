"""The index stays true: changes arrive at commit, lapses need no reindex, nothing is lost when it is busy.

Run on both backends (``TEST_SEARCH_BACKEND``); the Whoosh index's own machinery is tested on Whoosh only, the
PostgreSQL documents' in ``test_search_postgres.py``.
"""

from datetime import date, time, timedelta

import sqlalchemy as sa
from sqlalchemy import func, select, update

from marketplace import search
from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.search.models import SearchPending
from marketplace.search.sync import current_engine
from marketplace.shop.catalog.models import Listing, ListingVariant
from tests.factories import make_certificate, make_listed, make_listing, make_product
from tests.support.search_backend import POSTGRES_SEARCH, postgres_only, whoosh_only

TODAY = date(2026, 11, 23)


def names(client, query=""):
    return [item["name"] for item in client.get(f"/api/v1/products?per_page=100{query}").get_json()["items"]]


def test_changes_reach_the_index_at_commit(client, frozen_clock):
    product = make_listed("Mật ong bạc hà Mèo Vạc", price_vnd=300000, stock=5)
    db.session.commit()
    assert names(client, "&q=mat+ong") == ["Mật ong bạc hà Mèo Vạc"]
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    listing.price_vnd = 250000
    db.session.commit()
    assert client.get("/api/v1/products?q=mat+ong&price_max=260000").get_json()["total"] == 1
    listing.stock = 0
    db.session.commit()
    assert names(client, "&q=mat+ong&in_stock=true") == []
    listing.published = False
    db.session.commit()
    assert names(client, "&q=mat+ong") == []
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    listing.published = True
    certificate.status, certificate.revoked_on, certificate.revocation_reason = "revoked", TODAY, "c) an toàn thực phẩm"
    db.session.commit()
    assert names(client, "&q=mat+ong") == []
    assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 0


def test_a_rollback_drops_the_queued_change(client, frozen_clock):
    product = make_listed("Chè Shan tuyết Cao Bồ")
    db.session.commit()
    db.session.execute(update(Listing).where(Listing.product_id == product.id).values(published=False))
    listing = db.session.scalar(select(Listing).where(Listing.product_id == product.id))
    listing.price_vnd = 1
    db.session.flush()
    if not POSTGRES_SEARCH:
        assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 0
    assert names(client, "&q=cao+bo") == ["Chè Shan tuyết Cao Bồ"]
    assert names(client, "&q=cao+bo&price_max=1") == []


def test_bulk_updates_are_queued_explicitly(client, frozen_clock):
    product = make_listed("Cà phê Cầu Đất")
    db.session.commit()
    db.session.execute(update(Listing).where(Listing.product_id == product.id).values(stock=0))
    search.queue(db.session, [product.id])
    db.session.commit()
    assert names(client, "&q=cau+dat&in_stock=true") == []


def test_lapse_at_midnight_needs_no_reindex(client, frozen_clock):
    product = make_product("Miến dong Bình Liêu")
    make_certificate(product, valid_from=date(2023, 11, 23), valid_until=TODAY)
    make_listing(product)
    db.session.commit()
    written = stored_version(product)
    frozen_clock.set(TODAY, time(23, 59))
    assert names(client, "&q=mien+dong") == ["Miến dong Bình Liêu"]
    frozen_clock.set(TODAY + timedelta(days=1), time(0, 0))
    assert names(client, "&q=mien+dong") == []
    assert client.get("/api/v1/search/suggest?q=mien").get_json()["items"] == []
    assert stored_version(product) == written  # same index, nothing rewritten


def stored_version(product):
    """What identifies the stored document of ``product``: the Whoosh searcher, or the PostgreSQL row version."""
    if POSTGRES_SEARCH:
        return db.session.scalar(sa.text("SELECT xmin::text FROM search_document WHERE product_id = :id"),
                                 {"id": product.id})
    return current_engine().searcher()[0]


def test_upgrade_keeps_the_product_listed_across_the_handover(client, frozen_clock):
    product = make_product("Cam Cao Phong")
    make_certificate(product, stars=3, valid_from=date(2023, 12, 1), valid_until=TODAY + timedelta(days=3))
    make_certificate(product, stars=4, valid_from=TODAY + timedelta(days=2))
    make_listing(product)
    db.session.commit()
    frozen_clock.set(TODAY + timedelta(days=10))
    assert names(client, "&q=cam+cao+phong") == ["Cam Cao Phong"]  # still found with no reindex


@whoosh_only
def test_busy_index_keeps_changes_queued_until_the_next_sync(app, client, frozen_clock):
    app.config["SEARCH_WRITE_TIMEOUT"] = 0.2
    try:
        make_listed("Rượu ngô Bắc Hà")
        db.session.commit()
        other_process_writer = current_engine().index().writer()  # what another gunicorn worker would hold
        try:
            make_listed("Rượu táo mèo Sa Pa")
            db.session.commit()  # the commit succeeds: the index change waits in the queue
            assert db.session.scalar(select(func.count()).select_from(SearchPending)) >= 1
        finally:
            other_process_writer.cancel()
        assert names(client, "&q=ruou") == ["Rượu ngô Bắc Hà"]
        assert search.sync_pending() >= 1
        assert sorted(names(client, "&q=ruou")) == ["Rượu ngô Bắc Hà", "Rượu táo mèo Sa Pa"]
    finally:
        app.config.pop("SEARCH_WRITE_TIMEOUT")


@whoosh_only
def test_rebuild_swaps_generations_and_check_finds_drift(client, runner, frozen_clock):
    make_listed("Nhãn lồng Hưng Yên")
    missing = make_listed("Vải thiều Thanh Hà")
    db.session.commit()
    with current_engine().index().writer() as writer:  # damage the index behind the application's back
        writer.delete_by_term("product_id", str(missing.id))
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"missing: 1 [{missing.id}]" in result.output
    first = current_engine().current.resolve()
    assert "indexed 2 listed products" in runner.invoke(args=["search", "reindex"]).output
    assert current_engine().current.resolve() != first and not first.exists()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert sorted(names(client)) == ["Nhãn lồng Hưng Yên", "Vải thiều Thanh Hà"]


@postgres_only
def test_reindex_rewrites_the_documents_and_check_finds_drift(client, runner, frozen_clock):
    kept = make_listed("Nhãn lồng Hưng Yên", price_vnd=90000)
    missing = make_listed("Vải thiều Thanh Hà")
    db.session.commit()
    with db.engine.begin() as connection:  # damage the documents behind the application's back
        connection.execute(sa.text("DELETE FROM search_document WHERE product_id = :id"), {"id": missing.id})
        connection.execute(sa.text("UPDATE search_document SET price = 1 WHERE product_id = :id"), {"id": kept.id})
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"missing: 2 {sorted([kept.id, missing.id])}" in result.output
    assert "indexed 2 listed products" in runner.invoke(args=["search", "reindex"]).output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert sorted(names(client)) == ["Nhãn lồng Hưng Yên", "Vải thiều Thanh Hà"]
    assert names(client, "&price_max=1") == []


def test_suggest_completes_product_names(client, frozen_clock):
    make_listed("Nước mắm Cửa Việt")
    make_listed("Nước cốt chanh leo Quế Phong")
    make_listed("Nem chua Thanh Hóa")
    db.session.commit()
    suggested = client.get("/api/v1/search/suggest?q=nuoc+m").get_json()["items"]
    assert [item["name"] for item in suggested] == ["Nước mắm Cửa Việt"]
    assert {item["name"] for item in client.get("/api/v1/search/suggest?q=nu").get_json()["items"]} == {
        "Nước mắm Cửa Việt", "Nước cốt chanh leo Quế Phong"}
    assert suggested[0]["url"].startswith("/p/")


def test_exact_diacritics_rank_first(client, frozen_clock):
    make_listed("Bành tượng gỗ mít")
    make_listed("Bánh đa Kế")
    db.session.commit()
    assert names(client, "&q=bánh")[0] == "Bánh đa Kế"
    assert names(client, "&q=bành")[0] == "Bành tượng gỗ mít"


def test_whole_word_phrases_rank_first(client, frozen_clock):
    make_listed("Cà muối phê duyệt")  # both syllables, not as one word
    make_listed("Cà phê hạt rang")
    db.session.commit()
    assert names(client, "&q=ca+phe")[0] == "Cà phê hạt rang"


def test_did_you_mean_and_correction(client, frozen_clock):
    make_listed("Hành tím Vĩnh Châu")
    make_listed("Tỏi Lý Sơn")
    db.session.commit()
    corrected = client.get("/api/v1/products?q=hanh+tiim").get_json()
    assert corrected["corrected_query"] == "hanh tim"
    assert [item["name"] for item in corrected["items"]] == ["Hành tím Vĩnh Châu"]
    page = client.get("/search?q=hanh+tiim").get_data(as_text=True)
    assert "hanh tim" in page and "<mark>Hành</mark> <mark>tím</mark>" in page
    nothing = client.get("/search?q=xyzzyq").get_data(as_text=True)
    assert "Không có sản phẩm" in nothing


def _listing(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


def test_packages_decide_stock_and_price_as_the_product_page_shows_them(client, frozen_clock):
    sold_out_first = make_listed("Mật ong rừng U Minh", price_vnd=100000, stock=0)
    listing = _listing(sold_out_first)
    db.session.add_all([ListingVariant(listing_id=listing.id, label="chai 500 ml", price_vnd=250000, stock=3),
                        ListingVariant(listing_id=listing.id, label="chai 100 ml", price_vnd=40000, stock=0)])
    make_listed("Mật ong bạc hà Mèo Vạc", price_vnd=200000, stock=5)
    nothing_in_stock = make_listed("Mật ong hoa nhãn Hưng Yên", price_vnd=180000, stock=0)
    db.session.add(ListingVariant(listing_id=_listing(nothing_in_stock).id, label="chai 1 l", price_vnd=90000,
                                  stock=0))
    db.session.commit()
    assert sorted(names(client, "&q=mat+ong&in_stock=true")) == ["Mật ong bạc hà Mèo Vạc", "Mật ong rừng U Minh"]
    # in stock: the cheapest package in stock (250,000, not the sold-out 100,000 or 40,000);
    # nothing in stock: the cheapest package (90,000)
    assert names(client, "&q=mat+ong&sort=price_asc") == [
        "Mật ong hoa nhãn Hưng Yên", "Mật ong bạc hà Mèo Vạc", "Mật ong rừng U Minh"]
    assert names(client, "&q=mat+ong&price_min=240000") == ["Mật ong rừng U Minh"]
    assert names(client, "&q=mat+ong&price_max=120000") == ["Mật ong hoa nhãn Hưng Yên"]


def test_variant_changes_reach_the_index_after_commit(client, frozen_clock):
    product = make_listed("Chè Shan tuyết Suối Giàng", price_vnd=150000, stock=0)
    db.session.commit()
    assert names(client, "&q=suoi+giang&in_stock=true") == []
    variant = ListingVariant(listing_id=_listing(product).id, label="hộp 200 g", price_vnd=90000, stock=2)
    db.session.add(variant)
    db.session.commit()
    assert names(client, "&q=suoi+giang&in_stock=true&price_max=95000") == ["Chè Shan tuyết Suối Giàng"]
    variant.stock = 0
    db.session.commit()
    assert names(client, "&q=suoi+giang&in_stock=true") == []
    variant.stock, variant.price_vnd = 4, 300000
    db.session.commit()
    assert names(client, "&q=suoi+giang&in_stock=true&price_min=250000") == ["Chè Shan tuyết Suối Giàng"]
    db.session.delete(variant)
    db.session.commit()
    assert names(client, "&q=suoi+giang&in_stock=true") == []
    assert names(client, "&q=suoi+giang&price_max=160000") == ["Chè Shan tuyết Suối Giàng"]
    assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 0


def suggested(client, text):
    return [item["name"] for item in client.get("/api/v1/search/suggest", query_string={"q": text}).get_json()["items"]]


def test_suggest_knows_the_glossary_and_run_together_words(client, frozen_clock):
    for name in ("Cà phê hạt rang Bích Thao", "Cá kho làng Vũ Đại", "Mật ong rừng U Minh", "Nước mắm Cửa Việt",
                 "Trà xanh Tân Cương", "Chè búp Thái Nguyên", "Tràng hạt gỗ trầm"):
        make_listed(name)
    db.session.commit()
    for typed in ("coffee", "cafe", "caphe", "ca phe"):
        assert suggested(client, typed) == ["Cà phê hạt rang Bích Thao"], typed  # never the fish ("cá")
    assert suggested(client, "honey") == ["Mật ong rừng U Minh"]
    assert suggested(client, "nuocmam") == suggested(client, "fish sauce") == ["Nước mắm Cửa Việt"]
    assert suggested(client, "tea") == ["Chè búp Thái Nguyên", "Trà xanh Tân Cương"]
    assert suggested(client, "tra") == ["Trà xanh Tân Cương", "Chè búp Thái Nguyên", "Tràng hạt gỗ trầm"]
    assert suggested(client, "trang") == ["Tràng hạt gỗ trầm"]  # the last word still completes


def test_a_slip_inside_a_run_together_word_is_read_only_when_nothing_matched(client, frozen_clock):
    for name in ("Cà phê hạt rang Bích Thao", "Cà phê bột Khe Sanh", "Cà phê Robusta Đắk Song", "Nước mắm Cửa Việt",
                 "Bánh tráng Trảng Bàng"):
        make_listed(name)
    db.session.commit()
    for typed, reading, found in (("cafphe", "ca phe", 3), ("caphee", "ca phe", 3), ("nuocmamm", "nuoc mam", 1),
                                  ("banhtrnag", "banh trang", 1), ("coffe", "coffee", 3)):
        body = client.get("/api/v1/products", query_string={"q": typed}).get_json()
        assert (body.get("corrected_query"), body["total"]) == (reading, found), typed
    make_listed("Bánh quy Caphee")  # now the word as typed is a listed name's: answered as typed, never read again
    db.session.commit()
    body = client.get("/api/v1/products?q=caphee").get_json()
    assert [item["name"] for item in body["items"]] == ["Bánh quy Caphee"]
    assert "corrected_query" not in body and "did_you_mean" not in body
    page = client.get("/search?q=cafphe").get_data(as_text=True)
    assert "ca phe" in page and "<mark>Cà</mark> <mark>phê</mark>" in page
