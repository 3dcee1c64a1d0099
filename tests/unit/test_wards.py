"""The official list of communes and wards (1 July 2025): complete, matching our provinces, old names converted."""

from marketplace.reference.lookup import provinces, resolve_ward, wards, wards_of


def test_the_list_holds_the_3321_units_of_the_34_provinces():
    assert len(wards()) == 3321
    assert {ward.province_code for ward in wards().values()} == set(provinces())
    assert len(wards_of("01")) == 126 and len(wards_of("79")) == 168


def test_a_ward_is_found_by_code_name_or_short_name_within_its_province_only():
    assert resolve_ward("48", "Phường Hải Châu").code == "20242"
    assert resolve_ward("48", "hai chau").code == "20242"
    assert resolve_ward("48", "20242").name == "Phường Hải Châu"
    assert resolve_ward("01", "20242") is None  # a code of another province
    assert resolve_ward("01", "Phường Hải Châu") is None
    assert resolve_ward("01", "") is None


def test_a_pre_2025_ward_becomes_the_ward_it_merged_into():
    assert resolve_ward("01", "Phường Hàng Bạc").name == "Phường Hoàn Kiếm"
    assert resolve_ward("01", "phuong hang bac, quan hoan kiem").code == "00070"
