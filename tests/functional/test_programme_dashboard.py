"""The programme dashboard: every figure against numbers counted by hand, scoping, access and exports.

The fixture (today = 2026-11-23, see ``frozen_clock``):

====  ========  ====================  ======  ========  ===========================================  =====
ent.  province  type                  gender  ethnic.   products (criteria set, stars, certificate)  cert.
====  ========  ====================  ======  ========  ===========================================  =====
E1    19        cooperative           female  Tày       P1 (11, 3★), P2 (11, 4★, ends in 60 days)    yes
E2    19        cooperative           male    Kinh      P3 (21, 5★, unpublished listing)             yes
E3    19        enterprise            female  —         P4 (14, 4★, ends in 150 days)                yes
E4    19        household_business    —       Kinh      P5 (13, revoked), P12 (01, not yet valid)    no
E5    19        cooperative_group     female  H'Mông    P6 (22, 3★)                                  yes
E6    79        enterprise            male    Kinh      P7 (09, 3★), P8 (18, expired)                yes
E7    79        household_business    female  Khmer     P9 (09, 3★ superseded by 4★)                 yes
E8    79        cooperative           —       —         P10 (26, 3★, ends in exactly 90 days)        yes
E9    79        enterprise            female  Kinh      P11 (23, expired)                            no
E10   79        enterprise            —       —         (no product)                                 no
====  ========  ====================  ======  ========  ===========================================  =====

Channels: E1 → supermarket and e-commerce, E2 → supermarket, E6 → supermarket, E3 → own shop only;
E4 and E9 (not certified) → supermarket. Showrooms: two in Thái Nguyên (19), none elsewhere.
"""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from marketplace.channels.models import EntityChannel, SalesChannel
from marketplace.extensions import db
from marketplace.reports.services import programme_summary
from marketplace.showrooms.models import Showroom
from tests.factories import make_certificate, make_entity, make_listing, make_product, make_user

TODAY = date(2026, 11, 23)
URL = "/officer/programme"


def numbered(certificate, number):
    """Give a certificate a recognisable registry number."""
    certificate.number = number
    db.session.flush()
    return certificate


@pytest.fixture
def world(frozen_clock):
    def entity(name, province, kind, gender, ethnicity):
        return make_entity(name, entity_type=kind, province_code=province, representative_gender=gender,
                           representative_ethnicity=ethnicity)

    e1 = entity("HTX Chè Tân Cương", "19", "cooperative", "female", "Tày")
    e2 = entity("HTX Gốm La Hiên", "19", "cooperative", "male", "Kinh")
    e3 = entity("Công ty Rượu Thái Nguyên", "19", "enterprise", "female", None)
    e4 = entity("Hộ Cà phê Phú Lương", "19", "household_business", None, "Kinh")
    e5 = entity("THT Dệt thổ cẩm Định Hóa", "19", "cooperative_group", "female", "H'Mông")
    e6 = entity("Công ty Nước mắm Cần Giờ", "79", "enterprise", "male", "Kinh")
    e7 = entity("Hộ Mắm Bình Chánh", "79", "household_business", "female", "Khmer")
    e8 = entity("HTX Du lịch Cần Giờ", "79", "cooperative", None, None)
    e9 = entity("Công ty Hoa Hóc Môn", "79", "enterprise", "female", "Kinh")
    entity("Công ty Chưa có sản phẩm", "79", "enterprise", None, None)

    p1 = make_product("Chè búp Tân Cương", entity=e1, criteria_set_code="11")
    make_certificate(p1, stars=3, valid_from=date(2025, 3, 1))
    make_listing(p1)
    p2 = make_product("Chè đinh Tân Cương", entity=e1, criteria_set_code="11")
    numbered(make_certificate(p2, stars=4, valid_from=date(2024, 1, 23), valid_until=date(2027, 1, 22)), "EXP-060")
    make_listing(p2)
    p3 = make_product("Bình gốm La Hiên", entity=e2, criteria_set_code="21")
    make_certificate(p3, stars=5, valid_from=date(2025, 6, 1))
    make_listing(p3, published=False)
    p4 = make_product("Rượu ngô Thái Nguyên", entity=e3, criteria_set_code="14")
    numbered(make_certificate(p4, stars=4, valid_from=date(2024, 4, 23), valid_until=date(2027, 4, 22)), "EXP-150")
    p5 = make_product("Cà phê Phú Lương", entity=e4, criteria_set_code="13")
    make_certificate(p5, stars=4, valid_from=date(2024, 1, 1), valid_until=date(2026, 12, 23), status="revoked",
                     revoked_on=date(2026, 10, 1))
    make_listing(p5)
    p12 = make_product("Cà phê hạt Phú Lương", entity=e4, criteria_set_code="01")
    make_certificate(p12, stars=3, valid_from=date(2026, 12, 1))
    p6 = make_product("Khăn thổ cẩm Định Hóa", entity=e5, criteria_set_code="22")
    make_certificate(p6, stars=3, valid_from=date(2025, 2, 1))
    p7 = make_product("Nước mắm Cần Giờ", entity=e6, criteria_set_code="09")
    make_certificate(p7, stars=3, valid_from=date(2025, 5, 5))
    p8 = make_product("Cao dược liệu Cần Giờ", entity=e6, criteria_set_code="18")
    make_certificate(p8, stars=4, valid_from=date(2023, 1, 1), valid_until=date(2026, 1, 1))
    p9 = make_product("Mắm ba khía Bình Chánh", entity=e7, criteria_set_code="09")
    numbered(make_certificate(p9, stars=3, valid_from=date(2024, 1, 11), valid_until=date(2027, 1, 10)), "SUPERSEDED")
    make_certificate(p9, stars=4, valid_from=date(2026, 1, 1))
    p10 = make_product("Tour rừng Sác Cần Giờ", entity=e8, criteria_set_code="26")
    numbered(make_certificate(p10, stars=3, valid_from=date(2024, 2, 22), valid_until=date(2027, 2, 21)), "EXP-090")
    p11 = make_product("Hoa cúc Hóc Môn", entity=e9, criteria_set_code="23")
    make_certificate(p11, stars=3, valid_from=date(2022, 5, 1))

    supermarket = SalesChannel(name="Co.opmart", kind="supermarket")
    ecommerce = SalesChannel(name="Sàn Postmart", kind="ecommerce")
    own_shop = SalesChannel(name="Cửa hàng riêng", kind="own_shop")
    db.session.add_all([supermarket, ecommerce, own_shop])
    db.session.flush()
    links = [(e1, supermarket), (e1, ecommerce), (e2, supermarket), (e6, supermarket), (e3, own_shop),
             (e4, supermarket), (e9, supermarket)]
    db.session.add_all([EntityChannel(entity_id=e.id, channel_id=c.id) for e, c in links])
    db.session.add_all([Showroom(name="Điểm OCOP ga Thái Nguyên", province_code="19", kind="transport_hub"),
                        Showroom(name="Điểm OCOP Tân Cương", province_code="19", kind="craft_village")])
    users = {role: make_user(role) for role in ("customer", "vendor", "showroom_staff", "admin")}
    users["officer_19"] = make_user("officer", province_code="19")
    users["officer_79"] = make_user("officer", province_code="79")
    users["officer_national"] = make_user("officer")
    db.session.commit()
    return users


def by_code(rows, key):
    return {row["code"]: row[key] for row in rows}


def nonzero(rows, key):
    return {code: n for code, n in by_code(rows, key).items() if n}


# ---------- the figures ----------

def test_national_summary_matches_the_hand_count(world):
    s = programme_summary(TODAY, None)
    assert s["products"] == 8
    assert s["entities"] == 7
    assert s["products_by_stars"] == {3: 4, 4: 3, 5: 1}
    assert len(s["products_by_province"]) == 34
    assert nonzero(s["products_by_province"], "products") == {"19": 5, "79": 3}
    assert by_code(s["products_by_sector"], "products") == {"I": 4, "II": 1, "III": 0, "IV": 2, "V": 0, "VI": 1}
    assert len(s["products_by_criteria_set"]) == 26
    assert nonzero(s["products_by_criteria_set"], "products") == {"09": 2, "11": 2, "14": 1, "21": 1, "22": 1,
                                                                  "26": 1}

    types = s["entities_by_type"]
    assert types["total"] == 7
    assert {row["type"]: row["entities"] for row in types["types"]} == {
        "cooperative": 3, "cooperative_group": 1, "enterprise": 2, "household_business": 1}
    assert {row["type"]: row["share"] for row in types["types"]} == pytest.approx({
        "cooperative": 0.428571, "cooperative_group": 0.142857, "enterprise": 0.285714,
        "household_business": 0.142857}, abs=1e-6)
    assert [(t["type"], t["target"], t["met"]) for t in types["targets"]] == [
        ("cooperative", 0.40, True), ("enterprise", 0.30, False)]

    assert s["modern_channels"] == {"entities": 7, "modern": 3, "share": pytest.approx(0.428571, abs=1e-6),
                                    "target": 0.5, "met": False}

    people = s["representation"]
    assert people["entities"] == 7
    assert people["female"] == {"count": 4, "known": 6, "unknown": 1, "share": pytest.approx(0.666667, abs=1e-6)}
    assert people["ethnic_minority"] == {"count": 3, "known": 5, "unknown": 2, "share": 0.6}

    assert s["expiring"] == {90: 2, 180: 3}
    assert [(row["number"], row["product"], row["entity"], row["stars"], row["valid_until"])
            for row in s["expiring_soonest"]] == [
        ("EXP-060", "Chè đinh Tân Cương", "HTX Chè Tân Cương", 4, date(2027, 1, 22)),
        ("EXP-090", "Tour rừng Sác Cần Giờ", "HTX Du lịch Cần Giờ", 3, date(2027, 2, 21)),
        ("EXP-150", "Rượu ngô Thái Nguyên", "Công ty Rượu Thái Nguyên", 4, date(2027, 4, 22)),
    ]

    showrooms = s["showrooms"]
    assert len(showrooms["provinces"]) == 34
    assert nonzero(showrooms["provinces"], "showrooms") == {"19": 2}
    assert showrooms["total"] == 2
    assert showrooms["without"] == 33


def test_provincial_summaries_match_the_hand_count(world):
    s = programme_summary(TODAY, "19")
    assert (s["products"], s["entities"]) == (5, 4)
    assert s["products_by_stars"] == {3: 2, 4: 2, 5: 1}
    assert [(row["code"], row["products"]) for row in s["products_by_province"]] == [("19", 5)]
    assert by_code(s["products_by_sector"], "products") == {"I": 2, "II": 1, "III": 0, "IV": 2, "V": 0, "VI": 0}
    assert nonzero(s["products_by_criteria_set"], "products") == {"11": 2, "14": 1, "21": 1, "22": 1}
    assert {row["type"]: row["entities"] for row in s["entities_by_type"]["types"]} == {
        "cooperative": 2, "cooperative_group": 1, "enterprise": 1, "household_business": 0}
    assert [(t["share"], t["met"]) for t in s["entities_by_type"]["targets"]] == [(0.5, True), (0.25, False)]
    assert s["modern_channels"] == {"entities": 4, "modern": 2, "share": 0.5, "target": 0.5, "met": True}
    assert s["representation"]["female"] == {"count": 3, "known": 4, "unknown": 0, "share": 0.75}
    assert s["representation"]["ethnic_minority"] == {"count": 2, "known": 3, "unknown": 1,
                                                      "share": pytest.approx(0.666667, abs=1e-6)}
    assert s["expiring"] == {90: 1, 180: 2}
    assert [row["number"] for row in s["expiring_soonest"]] == ["EXP-060", "EXP-150"]
    assert s["showrooms"] == {"provinces": [{"code": "19", "name": "Thái Nguyên", "showrooms": 2}], "total": 2,
                              "without": 0}

    s = programme_summary(TODAY, "79")
    assert (s["products"], s["entities"]) == (3, 3)
    assert s["products_by_stars"] == {3: 2, 4: 1, 5: 0}
    assert by_code(s["products_by_sector"], "products") == {"I": 2, "II": 0, "III": 0, "IV": 0, "V": 0, "VI": 1}
    assert [(t["share"], t["met"]) for t in s["entities_by_type"]["targets"]] == [
        (pytest.approx(1 / 3), False), (pytest.approx(1 / 3), True)]
    assert s["modern_channels"]["modern"] == 1 and s["modern_channels"]["met"] is False
    assert s["representation"]["female"] == {"count": 1, "known": 2, "unknown": 1, "share": 0.5}
    assert s["representation"]["ethnic_minority"] == {"count": 1, "known": 2, "unknown": 1, "share": 0.5}
    assert s["expiring"] == {90: 1, 180: 1}
    assert s["showrooms"]["without"] == 1 and s["showrooms"]["total"] == 0


def test_an_empty_province_has_no_shares_and_meets_no_target(world):
    s = programme_summary(TODAY, "01")
    assert (s["products"], s["entities"]) == (0, 0)
    assert [(t["share"], t["met"]) for t in s["entities_by_type"]["targets"]] == [(None, False), (None, False)]
    assert s["modern_channels"]["share"] is None and s["modern_channels"]["met"] is False
    assert s["representation"]["female"]["share"] is None
    assert s["expiring"] == {90: 0, 180: 0}


def test_figures_follow_the_day(world):
    # A year later: P2, P4, P10 and the superseded certificate have expired; P12 has become valid.
    s = programme_summary(date(2027, 11, 23), None)
    assert s["products_by_stars"] == {3: 4, 4: 1, 5: 1}
    assert s["products"] == 6


# ---------- access and scoping ----------

@pytest.mark.parametrize("path", [URL, f"{URL}/export.csv", f"{URL}/export.xlsx"])
@pytest.mark.parametrize("role", ["customer", "vendor", "showroom_staff"])
def test_other_roles_are_refused(client, world, role, path):
    client.login_as(world[role])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", [URL, f"{URL}/export.csv", f"{URL}/export.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_a_provincial_officer_sees_only_their_province(client, world):
    client.login_as(world["officer_19"])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Thái Nguyên" in html
    assert "Chè đinh Tân Cương" in html and "Rượu ngô Thái Nguyên" in html
    assert "Tour rừng Sác Cần Giờ" not in html  # expiring, but in Hồ Chí Minh
    assert 'name="province"' not in html  # no province selector
    assert client.get(f"{URL}?province=19").status_code == 200
    for path in (URL, f"{URL}/export.csv", f"{URL}/export.xlsx"):
        assert client.get(f"{path}?province=79").status_code == 404
    assert client.get(f"{URL}?province=99").status_code == 404


@pytest.mark.parametrize("user", ["officer_national", "admin"])
def test_national_users_see_the_country_or_one_province(client, world, user):
    client.login_as(world[user])
    html = client.get(URL).get_data(as_text=True)
    assert 'name="province"' in html
    assert "Tour rừng Sác Cần Giờ" in html and "Chè đinh Tân Cương" in html
    html = client.get(f"{URL}?province=79").get_data(as_text=True)
    assert "Tour rừng Sác Cần Giờ" in html and "Chè đinh Tân Cương" not in html
    assert client.get(f"{URL}?province=99").status_code == 404
    assert client.get(f"{URL}?province=&lang=en").status_code == 200


def test_the_page_is_accessible_and_has_no_inline_style(client, world):
    client.login_as(world["officer_national"])
    html = client.get(f"{URL}?lang=en").get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart') == 4
    assert 'role="img" aria-label="Certified products by star rating"' in html
    assert "<title>Certified products by star rating</title>" in html
    assert html.count("<caption>") == 10
    assert "style=" not in html
    assert "Target met" in html and "Target not met" in html
    assert f"{URL}/export.csv" in html and f"{URL}/export.xlsx" in html


# ---------- exports ----------

def read_csv_sections(body):
    sections, current = {}, None
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return {title: (rows[0], rows[1:]) for title, rows in sections.items()}


def test_csv_export_has_the_same_numbers(client, world):
    client.login_as(world["officer_national"])
    response = client.get(f"{URL}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ocop-programme-national-2026-11-23.csv"'
    sections = read_csv_sections(response.data)
    assert sections["Overview"] == (["metric", "value"], [["certified_products", "8"], ["certified_entities", "7"],
                                                          ["showrooms", "2"], ["provinces_without_showroom", "33"]])
    assert sections["Products by stars"] == (["stars", "products"], [["3", "4"], ["4", "3"], ["5", "1"]])
    header, rows = sections["Products by province"]
    assert header == ["province_code", "province", "products"] and len(rows) == 34
    assert {row[0]: row[2] for row in rows if row[2] != "0"} == {"19": "5", "79": "3"}
    assert [row[2] for row in sections["Products by sector"][1]] == ["4", "1", "0", "2", "0", "1"]
    assert len(sections["Products by criteria set"][1]) == 26
    assert sections["Entities by type"][1] == [["cooperative", "3", "0.4286"], ["cooperative_group", "1", "0.1429"],
                                               ["enterprise", "2", "0.2857"], ["household_business", "1", "0.1429"]]
    assert sections["Targets"][1] == [["cooperative_share", "0.4286", "0.4", "1"],
                                      ["enterprise_share", "0.2857", "0.3", "0"],
                                      ["modern_channel_share", "0.4286", "0.5", "0"]]
    assert sections["Modern channels"][1] == [["7", "3", "0.4286", "0.5", "0"]]
    assert sections["Representation"] == (["indicator", "entities", "known", "unknown", "share_of_known"],
                                          [["female_led", "4", "6", "1", "0.6667"],
                                           ["ethnic_minority_led", "3", "5", "2", "0.6"]])
    assert sections["Expiring certificates"][1] == [["90", "2"], ["180", "3"]]
    assert [row[0] for row in sections["Soonest expiries"][1]] == ["EXP-060", "EXP-090", "EXP-150"]
    assert sections["Soonest expiries"][1][0] == ["EXP-060", "Chè đinh Tân Cương", "HTX Chè Tân Cương", "4",
                                                  "2027-01-22"]
    assert {row[0]: row[2] for row in sections["Showrooms by province"][1] if row[2] != "0"} == {"19": "2"}


def test_xlsx_export_has_the_same_numbers_for_the_officers_province(client, world):
    client.login_as(world["officer_19"])
    response = client.get(f"{URL}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="ocop-programme-thai-nguyen-2026-11-23.xlsx"')
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
    assert list(sheets) == ["Overview", "Products by stars", "Products by province", "Products by sector",
                            "Products by criteria set", "Entities by type", "Targets", "Modern channels",
                            "Representation", "Expiring certificates", "Soonest expiries", "Showrooms by province"]
    assert sheets["Overview"] == [("metric", "value"), ("certified_products", 5), ("certified_entities", 4),
                                  ("showrooms", 2), ("provinces_without_showroom", 0)]
    assert sheets["Products by stars"] == [("stars", "products"), (3, 2), (4, 2), (5, 1)]
    assert sheets["Products by province"] == [("province_code", "province", "products"), ("19", "Thái Nguyên", 5)]
    assert sheets["Targets"][1:] == [("cooperative_share", 0.5, 0.4, 1), ("enterprise_share", 0.25, 0.3, 0),
                                     ("modern_channel_share", 0.5, 0.5, 1)]
    assert sheets["Representation"][1:] == [("female_led", 3, 4, 0, 0.75), ("ethnic_minority_led", 2, 3, 1, 0.6667)]
    assert sheets["Expiring certificates"][1:] == [(90, 1), (180, 2)]
    assert [row[0] for row in sheets["Soonest expiries"][1:]] == ["EXP-060", "EXP-150"]
    assert sheets["Showrooms by province"][1:] == [("19", "Thái Nguyên", 2)]


def test_national_export_can_be_filtered(client, world):
    client.login_as(world["admin"])
    response = client.get(f"{URL}/export.csv?province=79")
    assert 'filename="ocop-programme-ho-chi-minh-2026-11-23.csv"' in response.headers["Content-Disposition"]
    assert read_csv_sections(response.data)["Overview"][1][:2] == [["certified_products", "3"],
                                                                  ["certified_entities", "3"]]


# ---------- query count ----------

def test_query_count_does_not_grow_with_the_data(client, world, count_queries):
    client.login_as(world["officer_national"])

    def queries():
        db.session.expire_all()  # the request reloads the signed-in user, as a real one would
        with count_queries() as counter:
            assert client.get(URL).status_code == 200
        return counter.count

    few = queries()
    for n in range(20):
        owner = make_entity(f"HTX Thêm {n}", entity_type="enterprise", province_code="01",
                            representative_gender="male", representative_ethnicity="Kinh")
        for m in range(3):
            product = make_product(f"Sản phẩm thêm {n}-{m}", entity=owner, criteria_set_code="03")
            make_certificate(product, stars=3 + m, valid_from=date(2026, 1, 1), valid_until=date(2027, 1, 1))
    db.session.commit()
    assert queries() == few
    assert few <= 12  # user + membership + ten aggregate queries
    assert programme_summary(TODAY, None)["products"] == 68
