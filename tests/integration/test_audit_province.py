"""Audit entries carry the province of what they are about, also for rows that belong to a product."""

from marketplace.core import audit
from marketplace.extensions import db
from marketplace.showrooms.models import Placement, Showroom
from tests.factories import make_certificate, make_entity, make_listing, make_product


def test_rows_of_a_product_are_audited_under_its_province():
    product = make_product("Trà shan tuyết", entity=make_entity("HTX Trà", province_code="08"), province_code="08")
    certificate = make_certificate(product)
    listing = make_listing(product)
    showroom = Showroom(name="Điểm OCOP", province_code="01", kind="post_office")
    db.session.add(showroom)
    db.session.flush()
    placement = Placement(showroom_id=showroom.id, product_id=product.id, status="requested")
    db.session.add(placement)
    db.session.flush()
    entries = [audit.record("test", "x", subject) for subject in (certificate, listing, placement, showroom)]
    assert [entry.province_code for entry in entries] == ["08", "08", "08", "01"]
