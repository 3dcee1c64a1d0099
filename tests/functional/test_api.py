"""The public JSON API of contract §4."""

import pytest


def items(client, query=""):
    response = client.get(f"/api/v1/products{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def names(data):
    return [item["name"] for item in data["items"]]


def test_product_list_has_the_contract_shape(client, catalogue):
    data = items(client)
    assert set(data) == {"items", "total", "page", "per_page", "facets"}
    assert data["total"] == 5 and data["page"] == 1 and data["per_page"] == 24
    che = next(item for item in data["items"] if item["slug"].startswith("che-dinh"))
    assert set(che) >= {"id", "slug", "name", "entity", "province", "group", "stars", "price_vnd", "in_stock",
                        "certificate", "url"}
    assert che["entity"] == {"id": catalogue["che"].entity_id, "name": "HTX Chè Hảo Đạt", "type": "cooperative",
                             "slug": che["entity"]["slug"]}
    assert che["province"] == {"code": "19", "name": "Thái Nguyên", "slug": "thai-nguyen"}
    assert che["group"]["code"] == "11" and che["group"]["sector"] == "I"
    assert che["stars"] == 5 and che["price_vnd"] == 350000 and che["in_stock"] is True
    assert set(che["certificate"]) == {"code", "number", "valid_until"}
    assert che["url"] == f"/p/{che['slug']}"
    assert "Mắm tôm hết hạn" not in names(data)


@pytest.mark.parametrize(("query", "expected"), [
    ("?q=nuoc+mam", ["Nước mắm Phú Quốc 40 độ đạm"]),
    ("?q=NƯỚC MẮM", ["Nước mắm Phú Quốc 40 độ đạm"]),
    ("?q=dinh+tan+cuong", ["Chè Đinh Tân Cương"]),
    ("?q=phu+quoc&in_stock=true", ["Nước mắm Phú Quốc 40 độ đạm"]),
    ("?province=91", ["Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"]),
    ("?province=kien-giang", ["Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"]),
    ("?province=Kiên Giang", ["Nước mắm Phú Quốc 40 độ đạm", "Tiêu sọ Phú Quốc"]),
    ("?province=bac-kan", ["Chè Đinh Tân Cương", "Trà tôm nõn hương quê"]),
    ("?group=IV", ["Bình gốm men lam Bát Tràng"]),
    ("?group=11&min_stars=5", ["Chè Đinh Tân Cương"]),
    ("?price_min=100000&price_max=300000&sort=price_asc", ["Nước mắm Phú Quốc 40 độ đạm", "Trà tôm nõn hương quê"]),
])
def test_filters(client, catalogue, query, expected):
    assert sorted(names(items(client, query))) == sorted(expected)


def test_sorts_and_out_of_stock_ranked_last_on_relevance(client, catalogue):
    assert names(items(client, "?sort=price_desc"))[0] == "Bình gốm men lam Bát Tràng"
    assert names(items(client, "?sort=price_asc"))[0] == "Tiêu sọ Phú Quốc"
    assert [i["stars"] for i in items(client, "?sort=stars")["items"]] == [5, 4, 4, 3, 3]
    relevance = items(client, "?q=phu+quoc")
    assert [i["in_stock"] for i in relevance["items"]] == [True, False]


def test_pagination_keeps_the_total(client, catalogue):
    first, second = items(client, "?per_page=2&sort=price_asc"), items(client, "?per_page=2&page=3&sort=price_asc")
    assert first["total"] == second["total"] == 5
    assert len(first["items"]) == 2 and len(second["items"]) == 1


def test_facets_respect_the_other_filters(client, catalogue):
    facets = items(client, "?province=19")["facets"]
    assert {f["code"]: f["count"] for f in facets["province"]} == {"19": 2, "91": 2, "01": 1}
    assert facets["group"] == [{"code": "11", "name": "Chè tươi, chế biến", "name_en": facets["group"][0]["name_en"],
                                "count": 2}]
    assert facets["stars"] == [{"value": 5, "count": 1}, {"value": 4, "count": 1}]


@pytest.mark.parametrize("query", ["?province=atlantis", "?group=99", "?sort=cheapest", "?per_page=500",
                                   "?page=0", "?min_stars=x"])
def test_bad_parameters_are_problem_json(client, catalogue, query):
    response = client.get(f"/api/v1/products{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) == {"status", "title", "detail"}


def test_product_detail_sellable_and_reasons(client, catalogue):
    ok = client.get(f"/api/v1/products/{catalogue['che'].id}").get_json()
    assert ok["sellable"] is True and "reason" not in ok
    assert client.get(f"/api/v1/products/{catalogue['tieu'].id}").get_json()["reason"] == "out_of_stock"
    assert client.get(f"/api/v1/products/{catalogue['expired'].id}").get_json()["reason"] == "certificate_expired"
    missing = client.get("/api/v1/products/999999")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_certificate_lookup_by_code_and_number(client, catalogue):
    listed = items(client, "?q=dinh+tan+cuong")["items"][0]["certificate"]
    by_code = client.get(f"/api/v1/certificates/{listed['code'].lower()}").get_json()
    by_number = client.get("/api/v1/certificates", query_string={"number": listed["number"]}).get_json()
    assert by_code == by_number
    assert by_code["status"] == "valid" and by_code["stars"] == 5
    assert set(by_code) >= {"code", "number", "status", "stars", "valid_from", "valid_until", "decision_number",
                            "issuing_authority", "product", "entity", "province", "superseded_by", "revoked_on",
                            "revocation_reason"}
    assert by_code["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert client.get("/api/v1/certificates/NOPE0000").status_code == 404
    assert client.get("/api/v1/certificates?number=nope").mimetype == "application/problem+json"


def test_provinces_and_groups(client):
    provinces = client.get("/api/v1/provinces").get_json()["items"]
    assert len(provinces) == 34
    hcm = next(p for p in provinces if p["code"] == "79")
    assert set(hcm["legacy_names"]) == {"Bình Dương", "Bà Rịa – Vũng Tàu", "Hồ Chí Minh"}
    sectors = client.get("/api/v1/groups").get_json()["sectors"]
    assert [s["code"] for s in sectors] == ["I", "II", "III", "IV", "V", "VI"]
    codes = [c["code"] for s in sectors for g in s["groups"] for c in g["criteria_sets"]]
    assert codes == [f"{n:02d}" for n in range(1, 27)]


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
