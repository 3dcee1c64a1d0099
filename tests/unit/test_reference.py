"""Reference data: 34 current provinces, all 63 old ones mapped, the 26 criteria sets."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.reference import lookup
from marketplace.reference.models import CriteriaSet, LegacyProvince, Province
from marketplace.reference.sync import reference_rows


def test_counts():
    provinces = lookup.provinces()
    assert len(provinces) == 34
    legacy = [old for p in provinces.values() for old in p.legacy]
    assert len(legacy) == len({old.code for old in legacy}) == 63
    assert len(lookup.criteria_sets()) == 26
    assert sum(1 for p in provinces.values() if p.kind == "city") == 9


@pytest.mark.parametrize(("typed", "code"), [
    ("79", "79"), ("Hồ Chí Minh", "79"), ("tp hcm", "79"), ("Bình Dương", "79"), ("binh-duong", "79"),
    ("Tỉnh Bà Rịa - Vũng Tàu", "79"), ("80", "80"), ("Long An", "80"), ("Tây Ninh", "80"), ("Tiền Giang", "82"),
    ("Kiên Giang", "91"), ("Đắk Nông", "68"), ("dak nong", "68"), ("Thừa Thiên Huế", "46"), ("Huế", "46"),
    ("Hà Giang", "08"), ("Quảng Nam", "48"), ("Kon Tum", "51"), ("8", "08"),
])
def test_resolution_of_codes_names_and_old_names(typed, code):
    assert lookup.resolve_province(typed).code == code


@pytest.mark.parametrize("typed", ["", "Atlantis", "87", "00"])
def test_unknown_provinces(typed):
    assert lookup.resolve_province(typed) is None


def test_reused_codes_are_read_as_current_codes():
    # old 80 was Long An; the current 80 is Tây Ninh, which absorbed Long An
    assert lookup.resolve_province("80").name == "Tây Ninh"
    assert "Long An" in lookup.province("80").legacy_names
    assert "Đồng Tháp before 1 July 2025" in lookup.unknown_province_reason("87")


def test_group_resolution():
    assert lookup.resolve_group("II") == ["14", "15", "16", "17"]
    assert lookup.resolve_group("9") == ["09"]
    assert lookup.resolve_group("V.1") == ["23"]
    assert lookup.resolve_group("27") is None


def test_database_reference_tables_match_the_json_files():
    expected = dict(reference_rows())
    assert len(db.session.scalars(select(Province)).all()) == len(expected[Province]) == 34
    assert len(db.session.scalars(select(LegacyProvince)).all()) == 63
    stored = {c.code: c.name_vi for c in db.session.scalars(select(CriteriaSet))}
    assert stored == {row["code"]: row["name_vi"] for row in expected[CriteriaSet]}
