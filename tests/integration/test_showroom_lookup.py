"""Showroom staff find products as buyers type them: without diacritics, in capitals, by number or code."""

from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.showrooms.services import lookup
from tests.factories import make_certificate, make_entity, make_product

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("typed", ["nuoc mam", "NƯỚC MẮM", "Nước mắm", "mam nam o"])
def test_lookup_folds_diacritics_and_case(typed):
    product = make_product("Nước mắm Nam Ô", entity=make_entity("HTX Nam Ô", province_code="48"))
    make_certificate(product)
    db.session.commit()
    assert [item.product.name for item in lookup(typed, TODAY)] == ["Nước mắm Nam Ô"]


def test_lookup_by_certificate_number_without_diacritics():
    product = make_product("Trà shan tuyết", entity=make_entity("HTX Trà"))
    certificate = make_certificate(product)
    db.session.commit()
    typed = certificate.number.lower().replace("đ", "d")  # e.g. "7/qd-ubnd-007"
    assert [item.product.name for item in lookup(typed, TODAY)] == ["Trà shan tuyết"]
    assert [item.product.name for item in lookup(certificate.code, TODAY)] == ["Trà shan tuyết"]
