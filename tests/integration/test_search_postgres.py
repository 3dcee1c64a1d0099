"""The PostgreSQL search backend's own guarantees (``TEST_SEARCH_BACKEND=postgres`` on PostgreSQL).

Documents are written in the transaction of the change, so another app server finds an edit with its very next
query; a rollback writes nothing; term and facet counts stay exactly what the documents hold, under concurrent
writers too; documents found empty or unreadable are served from the database, reported by ``/readyz`` and
rebuilt.
"""

import logging
import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, text

from marketplace import create_app, search
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.models import Listing
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product
from tests.support.search_backend import postgres_only

pytestmark = postgres_only
TODAY = date(2026, 11, 23)


def api(client, query=""):
    body = client.get(f"/api/v1/products?per_page=100{query}").get_json()
    return [item["name"] for item in body["items"]], body


def listing_of(product):
    return db.session.scalar(select(Listing).where(Listing.product_id == product.id))


def counts_agree():
    """Term and facet counts as kept by the writers, and as the stored documents give them (nothing else)."""
    kept_terms = dict(db.session.execute(text("SELECT term, df FROM search_term WHERE df <> 0")).all())
    kept_facets = dict(((p, c, s, i), n) for p, c, s, i, n in db.session.execute(text(
        "SELECT province, criteria, stars, in_stock, documents FROM search_facet WHERE documents <> 0")))
    terms = dict(db.session.execute(text(
        "SELECT lexeme, count(*) FROM search_document, unnest(tsvector_to_array(name_terms)) AS lexeme "
        "GROUP BY lexeme")).all())
    documents, length = db.session.execute(text(
        "SELECT count(*), coalesce(sum(name_len), 0) FROM search_document")).one()
    terms |= {key: value for key, value in (("#docs", documents), ("#length", length)) if value}
    facets = dict(((p, c, s, i), n) for p, c, s, i, n in db.session.execute(text(
        "SELECT province, criteria, stars, in_stock, count(*) FROM search_document "
        "GROUP BY province, criteria, stars, in_stock")))
    return (kept_terms, kept_facets) == (terms, facets)


@pytest.fixture
def other_server(app):
    """A second application on the same database, as another app server behind the proxy would be.

    Its limits are kept in memory like the suite's, so the shared limiter needs no giving back (each ``init_app``
    would add its request hook once more).
    """
    class Other(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_BACKEND = "postgres"

    other = create_app(Other)
    yield other
    with other.app_context():
        db.engine.dispose()


def test_an_edit_is_found_by_another_app_server_with_its_next_query(client, other_server, frozen_clock):
    product = make_listed("Mật ong bạc hà Mèo Vạc", price_vnd=300000)
    db.session.commit()
    with other_server.app_context():
        assert api(other_server.test_client(), "&q=mat+ong")[0] == ["Mật ong bạc hà Mèo Vạc"]
    listing_of(product).price_vnd = 250000
    product.name = "Mật ong hoa bạc hà Mèo Vạc"
    db.session.commit()
    with other_server.app_context():
        other = other_server.test_client()
        assert api(other, "&q=hoa+bac+ha&price_max=260000")[0] == ["Mật ong hoa bạc hà Mèo Vạc"]
        assert other.get("/api/v1/search/suggest?q=mat+ong+h").get_json()["items"][0]["name"] == (
            "Mật ong hoa bạc hà Mèo Vạc")
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == product.id))
    certificate.status, certificate.revoked_on, certificate.revocation_reason = "revoked", TODAY, "c) an toàn thực phẩm"
    db.session.commit()
    with other_server.app_context():
        assert api(other_server.test_client(), "&q=mat+ong")[0] == []
    assert counts_agree() and search.check() == ([], [])


def test_the_document_is_written_in_the_transaction_of_the_change(client, frozen_clock):
    product = make_listed("Chè Shan tuyết Cao Bồ", price_vnd=200000)
    db.session.commit()
    stored = "SELECT price FROM search_document WHERE product_id = :id"
    listing_of(product).price_vnd = 1
    db.session.flush()
    with db.engine.connect() as elsewhere:  # another connection sees the old document until the commit
        assert elsewhere.scalar(text(stored), {"id": product.id}) == 200000
    db.session.rollback()
    assert db.session.scalar(text(stored), {"id": product.id}) == 200000
    assert api(client, "&q=cao+bo&price_max=1")[0] == []
    listing_of(product).price_vnd = 1
    db.session.commit()
    with db.engine.connect() as elsewhere:
        assert elsewhere.scalar(text(stored), {"id": product.id}) == 1
    assert counts_agree()


def test_a_savepoint_rolled_back_keeps_the_outer_change(client, frozen_clock):
    product = make_listed("Cà phê Cầu Đất", price_vnd=200000)
    db.session.commit()
    listing_of(product).price_vnd = 180000
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        listing_of(product).stock = 0
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    assert api(client, "&q=cau+dat&price_max=190000&in_stock=true")[0] == ["Cà phê Cầu Đất"]


def test_term_and_facet_counts_follow_every_change(client, frozen_clock):
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    teas = [make_listed(f"Chè búp Tân Cương loại {n}", entity=entity, stars=3 + n % 3) for n in range(5)]
    make_listed("Nước mắm Phú Quốc", province_code="91")
    db.session.commit()
    assert counts_agree()
    teas[0].name = "Trà xanh Tân Cương"  # new words, new pairs
    listing_of(teas[1]).stock = 0  # another facet bucket
    listing_of(teas[2]).published = False  # no document any more
    db.session.commit()
    assert counts_agree()
    db.session.delete(listing_of(teas[3]))
    make_certificate(teas[4], stars=5, valid_from=TODAY - timedelta(days=1))  # an upgrade: 5 stars from today
    db.session.commit()
    assert counts_agree()
    names, body = api(client, "&province=thai-nguyen")
    assert set(names) == {"Trà xanh Tân Cương", "Chè búp Tân Cương loại 1", "Chè búp Tân Cương loại 4"}
    assert {item["value"]: item["count"] for item in body["facets"]["stars"]} == {5: 1, 4: 1, 3: 1}
    assert {item["code"]: item["count"] for item in body["facets"]["province"]} == {"19": 3, "91": 1}
    assert search.check() == ([], [])


def test_browsing_counts_lapsed_documents_out_without_a_rewrite(client, frozen_clock):
    lapsing = make_product("Miến dong Bình Liêu", criteria_set_code="01")
    make_certificate(lapsing, valid_from=date(2023, 11, 23), valid_until=TODAY)
    make_listing(lapsing)
    make_listed("Mật ong rừng U Minh", criteria_set_code="01", stock=0)
    db.session.commit()
    names, body = api(client, "&group=01")
    assert len(names) == 2 and body["facets"]["group"][0] == {**body["facets"]["group"][0], "count": 2}
    frozen_clock.set(TODAY + timedelta(days=1), time(0, 0))
    names, body = api(client, "&group=01")  # counted from the facet buckets, minus the lapsed document
    assert names == ["Mật ong rừng U Minh"] and body["total"] == 1
    assert [(item["code"], item["count"]) for item in body["facets"]["group"]] == [("01", 1)]
    _, scanned = api(client, "&group=01&price_min=0")  # counted from the documents themselves
    assert scanned["facets"] == body["facets"] and scanned["total"] == 1
    assert api(client, "&group=01&in_stock=true")[1]["total"] == 0


def test_concurrent_writers_sharing_words_lose_nothing_and_never_deadlock(app, frozen_clock):
    entity = make_entity("HTX Nước mắm Cửa Việt", province_code="48")
    products = [make_listed(f"Nước mắm Cửa Việt chai {n}", entity=entity) for n in range(8)]
    db.session.commit()
    ids, errors = [product.id for product in products], []
    barrier = threading.Barrier(len(ids))

    def rename(product_id, n):
        with app.app_context():
            try:
                product = db.session.get(Product, product_id)
                barrier.wait(timeout=30)
                for round_ in range(3):
                    product.name = f"Nước mắm nhĩ Cửa Việt {n} lần {round_}"
                    db.session.get(Listing, listing_ids[product_id]).stock = round_ % 2
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    listing_ids = {product.id: listing_of(product).id for product in products}
    db.session.remove()
    threads = [threading.Thread(target=rename, args=(product_id, n)) for n, product_id in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert counts_agree() and search.check() == ([], [])
    assert len(api(app.test_client(), "&q=nuoc+mam+nhi+cua+viet")[0]) == 8


def test_a_commit_of_hundreds_of_products_writes_them_all(client, frozen_clock):
    entity = make_entity("HTX Gạo Mỹ Xuyên", province_code="19")
    for n in range(300):  # more than one transaction may lock one by one: the lock on all documents is taken
        make_listed(f"Gạo ST25 Mỹ Xuyên túi {n}", entity=entity)
    db.session.commit()
    names, body = api(client, "&q=gao+st25")
    assert body["total"] == 300 and len(names) == 100
    assert counts_agree() and search.check() == ([], [])


def test_rows_stay_narrow_with_their_terms_out_of_line_when_written_and_rewritten(client, frozen_clock):
    first, second = make_listed("Trà hoa vàng Ba Chẽ"), make_listed("Nấm hương Sơn Động")
    db.session.commit()
    second.name = "Nấm hương rừng Sơn Động"  # new terms: the row is rewritten
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM search_document"))  # the rewritten row's old terms leave the TOAST table
        toast = connection.scalar(text("SELECT reltoastrelid::regclass::text FROM pg_class "
                                       "WHERE relname = 'search_document'"))
        out_of_line = connection.scalar(text(f"SELECT count(DISTINCT chunk_id) FROM {toast}"))
        compressed = connection.scalar(text("SELECT count(*) FROM search_document "
                                            "WHERE pg_column_compression(filler) IS NOT NULL"))
    assert (out_of_line, compressed) == (2, 2)
    assert api(client, "&q=nam+huong+rung")[0] == ["Nấm hương rừng Sơn Động"] and first.id != second.id


@pytest.fixture
def rebuilt_after():
    """Waits for any background rebuild when the test ends."""
    yield
    assert search.wait_for_rebuild(30)


def test_documents_emptied_behind_the_database_back_are_served_from_it_and_rebuilt(client, catalogue, caplog,
                                                                                    rebuilt_after):
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_document"))
        connection.execute(text("DELETE FROM search_term"))
        connection.execute(text("DELETE FROM search_facet"))
    with caplog.at_level(logging.WARNING, logger="marketplace.search"):
        names, body = api(client, "&q=phu+quoc")
    assert set(names) == {"Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR and "empty" in r.getMessage()]
    assert search.wait_for_rebuild(30)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["search"] == "ok"
    assert search.check() == ([], []) and counts_agree()
    assert set(api(client, "&q=phu+quoc")[0]) == set(names)


def test_unreadable_documents_are_served_from_the_database_and_reported(client, catalogue, caplog):
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE search_document RENAME TO search_document_away"))
    try:
        with caplog.at_level(logging.WARNING, logger="marketplace.search"):
            assert set(api(client, "&q=phu+quoc")[0]) == {"Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"}
            assert [item["name"] for item in client.get("/api/v1/search/suggest?q=tieu").get_json()["items"]] == [
                "Tiêu sọ Phú Quốc"]
        assert [r for r in caplog.records if r.levelno >= logging.ERROR and "cannot be read" in r.getMessage()]
        response = client.get("/readyz")
        assert response.status_code == 503 and "cannot be read" in response.get_json()["checks"]["search"]
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE search_document_away RENAME TO search_document"))
    assert client.get("/readyz").status_code == 200
    assert set(api(client, "&q=phu+quoc")[0]) == {"Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"}


def test_a_new_empty_shop_is_ready_without_a_rebuild(client):
    assert api(client)[1]["total"] == 0
    assert client.get("/readyz").status_code == 200 and not search.rebuild_running()


def test_sync_has_nothing_to_apply(runner, client, catalogue):
    assert search.pending_count() == 0 and search.sync_pending() == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
