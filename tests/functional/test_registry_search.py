"""Officers' registry search folds like the storefront on SQLite and PostgreSQL, finds codes, and pages."""

import re
from datetime import date

import pytest

from marketplace.extensions import db
from tests.factories import make_certificate, make_entity, make_product, make_user


@pytest.fixture
def registry(frozen_clock):
    tan_cuong = make_entity("HTX Chè Tân Cương", province_code="19")
    dong_ung = make_entity("HỢP TÁC XÃ ĐÔNG ỨNG", province_code="19")
    items = {
        "che": make_product("Chè búp Tân Cương", entity=tan_cuong),
        "mam": make_product("NƯỚC MẮM CÁ ÂU", entity=dong_ung),
        "gao": make_product("Gạo nếp cái hoa vàng", entity=dong_ung),
        "elsewhere": make_product("Chè Shan tuyết", entity=make_entity("HTX Suối Giàng", province_code="15")),
    }
    certificates = {key: make_certificate(product, valid_from=date(2025, 1, 10)) for key, product in items.items()}
    db.session.commit()
    return {"items": items, "certificates": certificates, "officer": make_user("officer", province_code="19"),
            "national": make_user("officer")}


def names(client, query, **params):
    """Product names the registry page lists for ``query``."""
    page = client.get("/officer/registry", query_string={"q": query, **params}).get_data(as_text=True)
    return set(re.findall(r'href="/officer/products/\d+">([^<]+)</a>', page))


@pytest.mark.parametrize(("query", "expected"), [
    ("che tan cuong", {"Chè búp Tân Cương"}),
    ("CHÈ BÚP", {"Chè búp Tân Cương"}),
    ("nuoc mam ca au", {"NƯỚC MẮM CÁ ÂU"}),
    ("nước mắm", {"NƯỚC MẮM CÁ ÂU"}),
    ("NƯỚC", {"NƯỚC MẮM CÁ ÂU"}),
    ("ÂU", {"NƯỚC MẮM CÁ ÂU"}),
    ("Đông Ứng", {"NƯỚC MẮM CÁ ÂU", "Gạo nếp cái hoa vàng"}),
    ("dong ung gao", {"Gạo nếp cái hoa vàng"}),
    ("đông ứng", {"NƯỚC MẮM CÁ ÂU", "Gạo nếp cái hoa vàng"}),
])
def test_unaccented_and_capital_queries_find_what_the_storefront_would(client, registry, query, expected):
    client.login_as(registry["officer"])
    assert names(client, query) == expected


def test_certificate_numbers_match_without_diacritics_and_codes_find_their_product(client, registry):
    client.login_as(registry["officer"])
    certificate = registry["certificates"]["gao"]
    number = certificate.number.replace("Đ", "D").lower()
    assert names(client, number) == {"Gạo nếp cái hoa vàng"}
    assert names(client, certificate.code) == {"Gạo nếp cái hoa vàng"}
    typed = f"{certificate.code[:4].lower()}-{certificate.code[4:].lower()}"
    assert names(client, typed) == {"Gạo nếp cái hoa vàng"}
    assert certificate.code in client.get("/officer/registry").get_data(as_text=True)


def test_search_stays_in_the_officers_province_and_wildcards_are_literal(client, registry):
    client.login_as(registry["officer"])
    assert names(client, "che") == {"Chè búp Tân Cương"}
    assert names(client, "%") == set()
    assert names(client, "_") == set()
    client.login_as(registry["national"])
    assert names(client, "che") == {"Chè búp Tân Cương", "Chè Shan tuyết"}


def test_a_renamed_product_is_found_by_its_new_name(client, registry):
    registry["items"]["che"].name = "Trà xanh Đại Từ"
    db.session.commit()
    client.login_as(registry["officer"])
    assert names(client, "tra xanh dai tu") == {"Trà xanh Đại Từ"}
    assert names(client, "che bup") == set()


def test_the_list_pages_past_the_first_hundred_with_a_total(client, frozen_clock):
    entity = make_entity("HTX Mật ong Bắc Kạn", province_code="19")
    for n in range(130):
        make_certificate(make_product(f"Mật ong rừng số {n:03d}", entity=entity), valid_from=date(2025, 1, 10))
    officer = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(officer)
    seen = set()
    for page in (1, 2, 3):
        html = client.get("/officer/registry", query_string={"q": "MẬT ONG", "page": page}).get_data(as_text=True)
        assert "130" in html
        seen |= set(re.findall(r'href="/officer/products/\d+">([^<]+)</a>', html))
    assert len(seen) == 130
    first = client.get("/officer/registry?q=mat+ong").get_data(as_text=True)
    assert 'rel="next"' in first and "page=2" in first and 'rel="prev"' not in first
    last = client.get("/officer/registry?q=mat+ong&page=3").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = client.get("/officer/registry?q=mat+ong&page=99").get_data(as_text=True)
    assert beyond.count('href="/officer/products/') == 30
