"""The demo catalogue is believable, covers the country and the rule's edge cases, and loads idempotently."""

import unicodedata
from collections import Counter

import pytest
from sqlalchemy import select

from marketplace.core.clock import today
from marketplace.demo.loader import load_demo, read_catalogue
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.registry.rules import certificate_status
from marketplace.shop.catalog.models import Listing
from marketplace.shop.catalog.rules import listed_products

pytestmark = pytest.mark.slow


def test_content_is_nfc_and_uses_valid_codes():
    items = read_catalogue()
    assert len({item.product["name"] for item in items}) == len(items)
    for item in items:
        assert item.province in provinces()
        assert item.product["group"] in criteria_sets()
        for value in (item.product["name"], item.entity["name"], item.product.get("description_vi", "")):
            assert unicodedata.is_normalized("NFC", value)


def test_demo_load_covers_the_country_and_the_rule_and_is_idempotent(tmp_path):
    from marketplace.channels.models import SalesChannel

    db.session.add(SalesChannel(name="Tiki", kind="ecommerce"))  # the migration seeds the catalogue; create_all not
    db.session.commit()
    first = load_demo(tmp_path)
    assert "0 updated" in first
    day = today()
    listed = db.session.execute(listed_products(day).add_columns(Entity).join(
        Entity, Entity.id == Product.entity_id)).all()
    assert len(listed) >= 600
    assert {product.province_code for product, *_ in listed} == set(provinces())
    assert {criteria_sets()[p.criteria_set_code].sector_code for p, *_ in listed} == {"I", "II", "III", "IV", "V",
                                                                                      "VI"}
    assert {entity.entity_type for *_, entity in listed} == {"cooperative", "cooperative_group", "enterprise",
                                                             "household_business"}
    stars = Counter(certificate.stars for _, _, certificate, _ in listed)
    assert 0.55 <= stars[3] / len(listed) <= 0.75
    assert stars[5] > 0
    statuses = Counter(certificate_status(c, day) for c in db.session.scalars(select(Certificate)))
    assert statuses["expired"] > 5 and statuses["revoked"] > 5 and statuses["superseded"] > 5
    assert db.session.scalars(select(Listing).where(Listing.published.is_(False))).first() is not None
    assert db.session.scalars(select(Listing).where(Listing.stock == 0)).first() is not None
    from marketplace.channels.models import ProductChannel

    assert db.session.scalars(select(ProductChannel)).first() is not None  # "also available at" on some pages

    second = load_demo(tmp_path)
    assert second.splitlines()[2] == "accounts: 0 created"
    assert second.splitlines()[0].startswith("certificates: 0 created, 0 updated")
    assert second.splitlines()[1].startswith("listings: 0 created, 0 updated")
