"""Certificates as open data: JSON-LD, sitemap and robots.txt, the dataset API and the nightly downloads (#15.4).

Statuses everywhere (API, downloads) must be the ones ``/verify`` shows, for every status.
"""

import csv
import io
import json
import re
from datetime import date, datetime, time, timedelta
from urllib import robotparser
from xml.etree import ElementTree

import pytest
from sqlalchemy import select, update

from marketplace.core import jobs
from marketplace.core.clock import TIMEZONE
from marketplace.extensions import db
from marketplace.registry import opendata
from marketplace.registry.models import Certificate
from marketplace.registry.queries import STATUSES, changed_at, status_condition
from marketplace.registry.rules import certificate_status
from marketplace.shop.catalog.models import Listing
from tests.factories import make_certificate, make_entity, make_listed, make_listing, make_product
from tests.support.schema_org import problems

TODAY = date(2026, 11, 23)
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def json_ld(page):
    """Every JSON-LD block of a page, parsed."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(block) for block in blocks]


@pytest.fixture
def every_status(frozen_clock):
    """One certificate in each status on TODAY (plus the valid ones of the catalogue's shape)."""
    entity = make_entity("HTX Dữ Liệu Mở", province_code="68")
    products = [make_product(entity=entity), make_product(entity=entity), make_product(entity=entity),
                make_product(entity=entity, criteria_set_code="09"), make_product(entity=entity)]
    certificates = {
        "valid": make_certificate(products[0], stars=4, valid_from=date(2025, 3, 1)),
        "expired": make_certificate(products[1], valid_from=date(2022, 1, 1)),
        "revoked": make_certificate(products[2], stars=5, valid_from=date(2025, 1, 1), status="revoked",
                                    revoked_on=date(2026, 5, 1),
                                    revocation_reason="đ) Chủ thể OCOP ngừng sản xuất sản phẩm"),
        "superseded": make_certificate(products[3], stars=3, valid_from=date(2024, 6, 1)),
        "not_yet_valid": make_certificate(products[4], valid_from=date(2027, 1, 1)),
    }
    make_certificate(products[3], stars=4, valid_from=date(2026, 6, 1))  # the upgrade: valid today
    for product in products:
        make_listing(product)
    db.session.commit()
    return {status: certificate.code for status, certificate in certificates.items()}


def verify_status(client, code):
    """The status the /verify page shows for ``code`` (its CSS class)."""
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    return re.search(r'class="verify-result status-(\w+)"', page).group(1)


# ---------- JSON-LD ----------

def test_product_page_json_ld_validates_against_the_vocabulary(client, catalogue, app):
    che = catalogue["che"]
    page = client.get(f"/p/{che.slug}", headers={"Host": "attacker.example"}).get_data(as_text=True)
    [product] = json_ld(page)
    assert problems(product) == []
    assert product["@context"] == "https://schema.org" and product["@type"] == "Product"
    assert product["name"] == "Chè Đinh Tân Cương"
    assert product["manufacturer"]["name"] == "HTX Chè Hảo Đạt" and product["brand"]["name"] == "HTX Chè Hảo Đạt"
    offer = product["offers"]
    assert (offer["price"], offer["priceCurrency"]) == (350000, "VND")
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == f"{app.config['PUBLIC_URL']}/p/{che.slug}"
    assert offer["seller"]["@type"] == "Organization"
    certification = product["hasCertification"]
    certificate = db.session.scalar(select(Certificate).where(Certificate.product_id == che.id))
    assert certification["name"] == "OCOP 5 sao"
    assert certification["certificationIdentification"] == certificate.number
    assert certification["issuedBy"] == {"@type": "Organization", "name": certificate.issuing_authority}
    assert certification["validFrom"] == certificate.valid_from.isoformat()
    assert certification["expires"] == certificate.valid_until.isoformat()
    assert certification["certificationStatus"] == "https://schema.org/CertificationActive"
    assert certification["certificationRating"] == {"@type": "Rating", "ratingValue": 5, "bestRating": 5,
                                                    "worstRating": 1}
    assert "aggregateRating" not in product  # no ratings yet
    assert "attacker.example" not in json.dumps(product)


def test_out_of_stock_and_unlisted_products(client, catalogue):
    [tieu] = json_ld(client.get(f"/p/{catalogue['tieu'].slug}").get_data(as_text=True))
    assert tieu["offers"]["availability"] == "https://schema.org/OutOfStock" and problems(tieu) == []
    [expired] = json_ld(client.get(f"/p/{catalogue['expired'].slug}").get_data(as_text=True))
    assert "offers" not in expired and problems(expired) == []
    assert expired["hasCertification"]["certificationStatus"] == "https://schema.org/CertificationInactive"


def test_aggregate_rating_only_with_ratings(client, catalogue):
    if not hasattr(Listing, "rating_count"):
        pytest.skip("reviews (Listing.rating_count/rating_sum) are not in this build yet")
    db.session.execute(update(Listing).where(Listing.product_id == catalogue["mam"].id)
                       .values(rating_count=3, rating_sum=13))
    db.session.commit()
    [product] = json_ld(client.get(f"/p/{catalogue['mam'].slug}").get_data(as_text=True))
    assert product["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 4.3, "ratingCount": 3,
                                          "bestRating": 5, "worstRating": 1}
    assert problems(product) == []


def test_json_ld_cannot_be_closed_by_a_name(client, frozen_clock):
    hostile = make_listed("Chè </script><script>alert(1)</script> & <b>")
    db.session.commit()
    page = client.get(f"/p/{hostile.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    [product] = json_ld(page)
    assert product["name"] == "Chè </script><script>alert(1)</script> & <b>"


def test_the_vocabulary_check_can_fail():
    bad = {"@type": "Product", "name": "x", "colour": "red",
           "offers": {"@type": "Offer", "price": 1, "priceCurrency": "VND", "availability": "in stock"},
           "hasCertification": {"@type": "Certificate", "name": "OCOP"}}
    found = problems(bad)
    assert "$: Product has no property colour" in found
    assert "$.offers: Offer needs url" in found
    assert "$.offers.availability: 'in stock' is not a schema.org value" in found
    assert "$.hasCertification: unknown type Certificate" in found


def test_verify_page_has_certification_json_ld_and_opengraph(client, every_status, app):
    code = every_status["revoked"]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    [certification] = json_ld(page)
    assert problems(certification) == []
    assert certification["@type"] == "Certification" and certification["name"] == "OCOP 5 sao"
    assert certification["certificationStatus"] == "https://schema.org/CertificationInactive"
    assert certification["about"]["@type"] == "Product" and certification["about"]["name"]
    assert certification["url"] == f"{app.config['PUBLIC_URL']}/verify/{code}"
    assert f'<meta property="og:url" content="{app.config["PUBLIC_URL"]}/verify/{code}">' in page
    assert '<meta property="og:title"' in page and f'<link rel="canonical" href="{app.config["PUBLIC_URL"]}' in page
    valid = json_ld(client.get(f"/verify/{every_status['valid']}").get_data(as_text=True))[0]
    assert valid["certificationStatus"] == "https://schema.org/CertificationActive"


# ---------- sitemap and robots ----------

def test_sitemap_lists_listed_products_and_their_pages_from_public_url(client, catalogue, app):
    response = client.get("/sitemap.xml", headers={"Host": "attacker.example"})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    urls = {node.find(f"{SITEMAP}loc").text: node.find(f"{SITEMAP}lastmod").text
            for node in root.iter(f"{SITEMAP}url")}
    base = app.config["PUBLIC_URL"]
    for name in ("che", "tra", "mam", "tieu", "gom"):
        assert f"{base}/p/{catalogue[name].slug}" in urls
    assert f"{base}/p/{catalogue['expired'].slug}" not in urls
    assert f"{base}/province/thai-nguyen" in urls
    assert any(url.startswith(f"{base}/e/htx-che-hao-dat") for url in urls)
    assert all(url.startswith(base) for url in urls) and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d)
                                                            for d in urls.values())


def test_sitemap_becomes_an_index_past_the_limit(client, catalogue, app, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_MAX_URLS", 3)
    root = ElementTree.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == f"{SITEMAP}sitemapindex"
    parts = [node.find(f"{SITEMAP}loc").text for node in root.iter(f"{SITEMAP}sitemap")]
    base = app.config["PUBLIC_URL"]
    assert parts[0] == f"{base}/sitemap-1.xml" and len(parts) > 1
    seen = []
    for part in parts:
        response = client.get(part.removeprefix(base))
        assert response.status_code == 200
        locs = [node.text for node in ElementTree.fromstring(response.data).iter(f"{SITEMAP}loc")]
        assert 0 < len(locs) <= 3
        seen += locs
    assert f"{base}/p/{catalogue['che'].slug}" in seen and len(seen) == len(set(seen))
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
    monkeypatch.setitem(app.config, "SITEMAP_MAX_URLS", 50_000)
    assert client.get("/sitemap-1.xml").status_code == 404


def test_robots_txt(client, app):
    response = client.get("/robots.txt", headers={"Host": "attacker.example"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert f"Sitemap: {app.config['PUBLIC_URL']}/sitemap.xml" in text
    robots = robotparser.RobotFileParser()
    robots.parse(text.splitlines())
    for path in ("/", "/p/che", "/verify/ABCD1234", "/open-data", "/api/v1/certificates?status=valid",
                 "/sitemap.xml"):
        assert robots.can_fetch("Googlebot", path), path
    for path in ("/account/profile", "/vendor/", "/officer/registry", "/admin/", "/showroom/", "/cart",
                 "/checkout", "/orders/1", "/api/v1/products", "/api/v1/me"):
        assert not robots.can_fetch("Googlebot", path), path


# ---------- the dataset API ----------

def test_dataset_shape(client, every_status):
    response = client.get("/api/v1/certificates?per_page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page", "next"}
    assert (body["total"], body["page"], body["per_page"]) == (6, 1, 2)
    item = body["items"][0]
    single = client.get(f"/api/v1/certificates/{item['code']}").get_json()
    assert {key: value for key, value in item.items() if key not in ("changed_at", "url")} == single
    assert item["url"] == f"/verify/{item['code']}"
    assert datetime.fromisoformat(item["changed_at"]).tzinfo is not None
    codes = [item["code"] for item in body["items"]]
    while body["next"]:
        body = client.get(body["next"]).get_json()
        codes += [item["code"] for item in body["items"]]
    assert len(codes) == 6 == len(set(codes))
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_number_still_answers_one_record(client, every_status):
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == every_status["valid"]))
    assert client.get(f"/api/v1/certificates?number={certificate.number}").get_json()["code"] == certificate.code
    assert client.get("/api/v1/certificates?number=").status_code == 400


def test_status_filter_agrees_with_verify_for_every_status(client, every_status):
    for status in STATUSES:
        items = client.get(f"/api/v1/certificates?status={status}").get_json()["items"]
        assert items, status
        for item in items:
            assert item["status"] == status == verify_status(client, item["code"]), item["code"]
    assert {status: verify_status(client, code) for status, code in every_status.items()} == {
        status: status for status in every_status}


def test_status_condition_agrees_with_the_rule_over_days(every_status):
    certificates = db.session.scalars(select(Certificate)).all()
    for day in (date(2021, 12, 31), date(2024, 6, 1), date(2026, 5, 1), date(2026, 5, 31), date(2026, 6, 1),
                TODAY, date(2027, 1, 1), date(2029, 5, 31)):
        for status in STATUSES:
            found = set(db.session.scalars(select(Certificate.id).where(status_condition(status, day))))
            assert found == {c.id for c in certificates if certificate_status(c, day) == status}, (day, status)


def test_filters(client, every_status, catalogue):
    def codes(query):
        response = client.get(f"/api/v1/certificates?{query}")
        assert response.status_code == 200, response.get_json()
        return {item["code"] for item in response.get_json()["items"]}

    in_lam_dong = {certificate.code for certificate in db.session.scalars(select(Certificate)).all()
                   if certificate.product_id not in {product.id for product in catalogue.values()}}
    assert len(in_lam_dong) == 6 and set(every_status.values()) < in_lam_dong
    assert codes("province=68") == codes("province=Lâm Đồng") == codes("province=lam-dong") == in_lam_dong
    assert codes("province=dak-nong") == in_lam_dong  # a pre-2025 province, now in Lâm Đồng
    assert codes("province=19") & in_lam_dong == set()
    assert every_status["revoked"] in codes("stars=5") and every_status["valid"] not in codes("stars=5")
    assert every_status["superseded"] not in codes("criteria_set=11")
    assert every_status["superseded"] in codes("criteria_set=9") == codes("criteria_set=09")
    upgrade = in_lam_dong - set(every_status.values())
    assert codes("status=valid&province=68") == {every_status["valid"], *upgrade}
    assert codes("status=valid&province=68&stars=4&criteria_set=09") == upgrade


@pytest.mark.parametrize(("query", "parameter"), [
    ("status=active", "status"), ("province=atlantis", "province"), ("stars=2", "stars"), ("stars=x", "stars"),
    ("criteria_set=27", "criteria_set"), ("changed_since=yesterday", "changed_since"),
    ("changed_since=2026-13-01", "changed_since"), ("changed_since=0001-01-01T00:00:00%2B05:00", "changed_since"),
    ("page=0", "page"), ("per_page=501", "per_page"), ("per_page=-1", "per_page"),
])
def test_bad_parameters_are_400_problems(client, query, parameter):
    response = client.get(f"/api/v1/certificates?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert parameter in response.get_json()["detail"]


def test_changed_since(client, every_status, frozen_clock):
    everything = client.get("/api/v1/certificates").get_json()["items"]
    assert len(client.get("/api/v1/certificates?changed_since=2000-01-01").get_json()["items"]) == 6
    assert client.get("/api/v1/certificates?changed_since=2099-01-01").get_json()["total"] == 0
    # nothing was written after now: only the status moves at midnight count, and each is reported as changed_at
    since = "2026-06-01T00:00:00+07:00"
    db.session.execute(update(Certificate).values(updated_at=datetime(2026, 1, 1, tzinfo=TIMEZONE)))
    db.session.commit()
    found = {item["code"]: item["changed_at"] for item in client.get(
        f"/api/v1/certificates?changed_since={since.replace('+', '%2B')}").get_json()["items"]}
    threshold = datetime.fromisoformat(since)
    every = {item["code"] for item in everything}
    for certificate in db.session.scalars(select(Certificate)).all():
        moved = changed_at(certificate, TODAY)
        assert (certificate.code in found) == (moved >= threshold), certificate.code
        assert certificate.code in every
    assert every_status["superseded"] in found  # taken over on 2026-06-01 at midnight
    assert every_status["not_yet_valid"] not in found
    assert datetime.fromisoformat(found[every_status["superseded"]]) == datetime.combine(
        date(2026, 6, 1), time(0), tzinfo=TIMEZONE)
    # a date is midnight in Vietnam; a naive time is Vietnam's too
    assert client.get("/api/v1/certificates?changed_since=2026-06-01").get_json()["total"] == len(found)
    assert client.get("/api/v1/certificates?changed_since=2026-06-01T00:00:00").get_json()["total"] == len(found)
    frozen_clock.set(TODAY + timedelta(days=1))
    db.session.execute(update(Certificate).where(Certificate.code == every_status["expired"])
                       .values(updated_at=datetime(2026, 11, 24, 1, tzinfo=TIMEZONE)))
    db.session.commit()
    assert {item["code"] for item in client.get(
        "/api/v1/certificates?changed_since=2026-11-24").get_json()["items"]} == {every_status["expired"]}


# ---------- the downloads ----------

def test_open_data_page_in_both_languages(client, every_status):
    page = client.get("/open-data").get_data(as_text=True)
    assert "CC BY 4.0" in page and "https://creativecommons.org/licenses/by/4.0/" in page
    assert "/open-data/certificates.csv" in page and "/open-data/certificates.json" in page
    assert "revocation_reason" in page
    english = client.get("/open-data?lang=en").get_data(as_text=True)
    assert "Open data: OCOP certificates" in english and "/open-data/certificates.csv" in english


def test_downloads_are_generated_on_first_request_and_match_verify(client, every_status, app, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_DIR", str(tmp_path / "open-data"))
    assert not (tmp_path / "open-data" / "certificates.csv").exists()
    response = client.get("/open-data/certificates.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert 'rel="license"' in response.headers["Link"] and "creativecommons.org" in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [name for name, _kind in opendata.COLUMNS] == list(rows[0])
    assert len(rows) == db.session.scalar(select(db.func.count(Certificate.id))) == 6
    assert len({row["code"] for row in rows}) == 6
    for row in rows:
        assert row["status"] == verify_status(client, row["code"]), row["code"]
    assert {row["status"] for row in rows} == set(STATUSES)
    assert all(row["url"] == f"{app.config['PUBLIC_URL']}/verify/{row['code']}" for row in rows)
    document = client.get("/open-data/certificates.json").get_json()
    assert document["licence"]["id"] == "CC-BY-4.0" and datetime.fromisoformat(document["generated_at"])
    assert document["count"] == 6 and document["status_on"] == TODAY.isoformat()
    assert {item["code"]: item["status"] for item in document["items"]} == {row["code"]: row["status"] for row in rows}
    metadata = client.get("/open-data/certificates.csv-metadata.json").get_json()
    assert metadata["dc:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert [column["name"] for column in metadata["tableSchema"]["columns"]] == list(rows[0])
    assert client.get("/open-data/passwords.csv").status_code == 404


def test_the_nightly_job_rewrites_the_files(client, every_status, app, tmp_path, monkeypatch, frozen_clock):
    monkeypatch.setitem(app.config, "OPEN_DATA_DIR", str(tmp_path / "open-data"))
    jobs.run("opendata.export", {})
    first = json.loads((tmp_path / "open-data" / "certificates.json").read_text(encoding="utf-8"))
    assert {item["code"]: item["status"] for item in first["items"]}[every_status["not_yet_valid"]] == "not_yet_valid"
    frozen_clock.set(date(2027, 1, 1))
    jobs.run("opendata.export", {})
    second = json.loads((tmp_path / "open-data" / "certificates.json").read_text(encoding="utf-8"))
    assert {item["code"]: item["status"] for item in second["items"]}[every_status["not_yet_valid"]] == "valid"
    assert second["status_on"] == "2027-01-01" and not list((tmp_path / "open-data").glob("*.partial"))
    assert "opendata.export" in jobs.TASKS
    page = client.get("/open-data").get_data(as_text=True)
    assert second["generated_at"] in page


@pytest.mark.parametrize("parameter", ["province", "status", "stars", "criteria_set", "changed_since", "page",
                                       "per_page"])
def test_hostile_values_of_each_parameter_are_never_a_500(client, every_status, parameter):
    from tests.functional.test_fuzz_routes import FIELD_VALUES, PATH_TEXT

    for value in {*FIELD_VALUES, *PATH_TEXT, "2026-02-30", "2026-06-01T25:00", "9999-12-31", "0001-01-01",
                  "2026-06-01T00:00:00+23:59", "-0", " 1 ", "1e3"}:
        response = client.get("/api/v1/certificates", query_string={parameter: value})
        assert response.status_code in (200, 400), (parameter, value)
        if response.status_code == 400:
            assert response.mimetype == "application/problem+json"
