"""The upload pages refuse a broken or oversized file with a 4xx page that says why, in the visitor's language."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.core import uploads
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Certificate
from marketplace.shop.catalog.models import Listing
from tests.factories import make_certificate, make_entity, make_product, make_user

FAKE_XLSX = bytes(range(256)) * 20
REGISTRY_HEADER = ("certificate_number,decision_number,decision_date,issuing_authority,issuing_level,stars,"
                   "product_name,product_group,entity_name,entity_type,province\n")
REGISTRY_ROW = ("{n}/QĐ-UBND-1,{n}/QĐ-UBND,2026-10-01,UBND tỉnh Thái Nguyên,province,3,Miến {n},06,HTX Miến,"
                "cooperative,19\n")


@pytest.fixture
def officer(client, frozen_clock):
    user = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(user)
    return user


@pytest.fixture
def vendor(client, frozen_clock):
    entity = make_entity("HTX Chè Phìn Hồ", province_code="08")
    certificate = make_certificate(make_product("Chè Shan tuyết Phìn Hồ", entity=entity), valid_from=date(2025, 5, 1))
    user = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(user)
    return certificate.number


def post(client, url, content, name):
    return client.post_form(url, {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def errors_on(page):
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li><code>(.*?)</code></li>", page, re.S)]


def stashed():
    return {path.name for path in uploads.uploads_dir().iterdir()}


@pytest.mark.parametrize(("who", "url"), [("officer", "/officer/registry/upload?lang=en"),
                                          ("vendor", "/vendor/listings/upload?lang=en")])
def test_a_file_named_xlsx_that_is_not_one_answers_400_with_a_plain_message(client, request, who, url):
    request.getfixturevalue(who)
    waiting = stashed()
    response = post(client, url, FAKE_XLSX, "registry.xlsx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert errors_on(page) == ["row 1: file: not UTF-8 or a valid XLSX"]
    text = re.sub(r'(name="csrf[_-]token" (?:value|content))="[^"]*"', r"\1", page)  # a random token may spell "zip"
    assert ".xlsx:" not in text and "zip" not in text.lower()
    assert stashed() == waiting
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_message_is_translated_on_the_vietnamese_page(client, officer, monkeypatch):
    from marketplace.core import tabular

    monkeypatch.setattr(tabular, "gettext", lambda message, **values: "«" + (message % values if values else message)
                        + "»")
    page = post(client, "/officer/registry/upload", FAKE_XLSX, "r.xlsx").get_data(as_text=True)
    assert errors_on(page) == ["row 1: file: «not UTF-8 or a valid XLSX»"]


def test_a_scope_refusal_is_shown_in_vietnamese(client, officer):
    outside = REGISTRY_HEADER + REGISTRY_ROW.format(n=78).replace(",19\n", ",79\n")
    response = post(client, "/officer/registry/upload", outside.encode(), "r.csv")
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == ["row 2: province: ngoài tỉnh/thành của bạn"]


def test_rows_beyond_the_budget_answer_400_and_nothing_is_kept(client, officer, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)
    waiting = stashed()
    content = REGISTRY_HEADER + "".join(REGISTRY_ROW.format(n=n) for n in range(100, 125))
    response = post(client, "/officer/registry/upload?lang=en", content.encode(), "r.csv")
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == ["row 1: file: the file has more than 20 rows"]
    assert stashed() == waiting
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_vendor_listing_file_beyond_the_cell_budget_answers_400(client, vendor):
    content = f"certificate_number,price_vnd,stock,description_vi\n{vendor},100000,3,{'a' * 10_001}\n"
    response = post(client, "/vendor/listings/upload?lang=en", content.encode(), "l.csv")
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == [
        "row 2: description_vi: the cell is longer than 10,000 characters"]
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
