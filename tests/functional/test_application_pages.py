"""Officers read applications in words (province, legal form, status) and see which registry entity matched."""

import re

import pytest

from marketplace.accounts import onboarding
from marketplace.extensions import db
from tests.factories import make_certificate, make_entity, make_product, make_user


@pytest.fixture
def applications(frozen_clock):
    registered = make_entity("HTX Chè Tân Cương", province_code="19", tax_code="4600000001")
    make_certificate(make_product("Chè búp Tân Cương", entity=registered))
    by_name = make_entity("Hộ kinh doanh Mật ong Hoà", entity_type="household_business", province_code="19")
    matched = onboarding.apply_for_entity(make_user(), "HTX Chè Tân Cương (Thái Nguyên)", "cooperative",
                                          "4600000001", "19", "xã Tân Cương", "0912345678")
    named = onboarding.apply_for_entity(make_user(), "HỘ KINH DOANH MẬT ONG HOÀ", "household_business", None,
                                        "19", None, None)
    unmatched = onboarding.apply_for_entity(make_user(), "Tổ hợp tác Gốm Phù Lãng", "cooperative_group", None,
                                            "19", None, None)
    officer = make_user("officer", province_code="19")
    db.session.commit()
    return {"matched": matched, "named": named, "unmatched": unmatched, "registered": registered,
            "by_name": by_name, "officer": officer}


def cells(html):
    """The text of every table cell and description value, tags stripped."""
    found = re.findall(r"<(?:td|dd)[^>]*>(.*?)</(?:td|dd)>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


def test_the_list_shows_names_and_labels_not_codes(client, applications):
    client.login_as(applications["officer"])
    html = client.get("/officer/applications").get_data(as_text=True)
    values = cells(html)
    for raw in ("19", "cooperative", "cooperative_group", "household_business", "pending"):
        assert raw not in values
    assert "Thái Nguyên" in values and "Hợp tác xã" in values and "Tổ hợp tác" in values
    assert "Hộ kinh doanh" in values and "Chờ xử lý" in values


def test_the_list_names_the_matched_entity_with_a_link_or_says_no_match(client, applications):
    client.login_as(applications["officer"])
    html = client.get("/officer/applications?lang=en").get_data(as_text=True)
    assert 'href="/officer/registry?q=HTX+Ch%C3%A8+T%C3%A2n+C%C6%B0%C6%A1ng">HTX Chè Tân Cương</a>' in html
    assert "matched by tax code" in html and "matched by name in the province" in html
    assert "Hộ kinh doanh Mật ong Hoà</a>" in html
    assert html.count("No match in the registry") == 1


def test_one_application_in_english_shows_labels_and_the_match(client, applications):
    client.login_as(applications["officer"])
    matched = client.get(f"/officer/applications/{applications['matched'].id}?lang=en").get_data(as_text=True)
    values = cells(matched)
    assert "Cooperative" in values and "Thái Nguyên" in values and "Waiting" in values
    assert "matched by tax code" in matched and "1 certified product" in matched
    assert 'href="/officer/registry?q=HTX+Ch%C3%A8+T%C3%A2n+C%C6%B0%C6%A1ng"' in matched
    unmatched = client.get(f"/officer/applications/{applications['unmatched'].id}?lang=en").get_data(as_text=True)
    assert "Cooperative group" in cells(unmatched)
    assert "No match in the registry" in unmatched and "Approving creates a new entity." in unmatched
    assert "pending" not in cells(unmatched) and "cooperative_group" not in cells(unmatched)


def test_a_decided_application_shows_its_status_label(client, applications):
    client.login_as(applications["officer"])
    client.post_form(f"/officer/applications/{applications['named'].id}", {"decision": "reject",
                                                                            "reason": "Thiếu giấy tờ"})
    html = client.get(f"/officer/applications/{applications['named'].id}").get_data(as_text=True)
    assert "Đã từ chối · Thiếu giấy tờ" in cells(html)
    assert "Approving creates a new entity." not in html
