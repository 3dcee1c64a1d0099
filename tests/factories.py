"""Factory functions for entities, products, certificates and listings (flush only; tests commit)."""

import functools
import itertools
import os
from datetime import UTC, date, datetime, timedelta

from marketplace.accounts.models import User, VendorMembership
from marketplace.accounts.passwords import hash_password
from marketplace.core.dates import add_months
from marketplace.core.text import name_key, slugify
from marketplace.extensions import db
from marketplace.registry.codes import new_code
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.registry.services import resequence
from marketplace.shop.catalog.models import Listing

_sequence = itertools.count(1 + os.getpid() % 10000 * 100000)  #: distinct across test processes
_codes = set()


def make_entity(name=None, entity_type="cooperative", province_code="19", tax_code=None, **extra):
    """An OCOP entity."""
    n = next(_sequence)
    name = name or f"HTX Thử Nghiệm {n}"
    entity = Entity(name=name, name_key=name_key(name), slug=f"{slugify(name)}-{n}", entity_type=entity_type,
                    province_code=province_code, tax_code=tax_code, **extra)
    db.session.add(entity)
    db.session.flush()
    return entity


def make_product(name=None, entity=None, criteria_set_code="11", province_code=None, **extra):
    """A certified product (without certificate: add one with make_certificate)."""
    n = next(_sequence)
    entity = entity or make_entity()
    name = name or f"Chè thử nghiệm {n}"
    product = Product(entity_id=entity.id, name=name, name_key=name_key(name), slug=f"{slugify(name)}-{n}",
                      criteria_set_code=criteria_set_code, province_code=province_code or entity.province_code,
                      **extra)
    db.session.add(product)
    db.session.flush()
    return product


def make_certificate(product, stars=3, valid_from=date(2025, 1, 10), valid_until=None, status="active", **extra):
    """A certificate for ``product``; supersession of its older certificates is recomputed."""
    n = next(_sequence)
    certificate = Certificate(
        code=new_code(_codes), number=f"{n}/QĐ-UBND-{n:03d}", product_id=product.id, decision_number=f"{n}/QĐ-UBND",
        decision_date=valid_from, issuing_authority="UBND tỉnh Thái Nguyên",
        issuing_level="ministry" if stars == 5 else "province", stars=stars, valid_from=valid_from,
        valid_until=valid_until or add_months(valid_from, 36), status=status, **extra,
    )
    db.session.add(certificate)
    db.session.flush()
    resequence(db.session.query(Certificate).filter_by(product_id=product.id).all())
    db.session.flush()
    return certificate


def make_listing(product, price_vnd=150000, stock=10, published=True, **extra):
    """A listing for ``product``."""
    listing = Listing(product_id=product.id, price_vnd=price_vnd, stock=stock, published=published, **extra)
    db.session.add(listing)
    db.session.flush()
    return listing


def make_listed(name=None, stars=3, price_vnd=150000, stock=10, today=date(2026, 11, 23), **product_fields):
    """A product with a certificate valid on ``today`` and a published listing; returns the product."""
    product = make_product(name=name, **product_fields)
    make_certificate(product, stars=stars, valid_from=today - timedelta(days=100))
    make_listing(product, price_vnd=price_vnd, stock=stock)
    return product


PASSWORD = "mật khẩu thử nghiệm 2026"


@functools.cache
def _password_hash():
    return hash_password(PASSWORD)  # scrypt is deliberately slow: hash the test password once


def make_user(role="customer", email=None, verified=True, entity=None, member_role="owner", **scope):
    """A user with the test password; vendors join ``entity`` (created when missing) as ``member_role``."""
    n = next(_sequence)
    user = User(email=email or f"{role}{n}@test.example", password_hash=_password_hash(), role=role,
                email_verified_at=datetime.now(UTC) if verified else None, **scope)
    db.session.add(user)
    db.session.flush()
    if role == "vendor":
        entity = entity or make_entity()
        db.session.add(VendorMembership(user_id=user.id, entity_id=entity.id, role=member_role))
        db.session.flush()
    return user


def make_vendor_order(entity, products, status="processing", reference=None, method="cod"):
    """A placed order whose one part is ``entity``'s, one line per product (listing price, quantity 2)."""
    from marketplace.shop.orders.models import Order, OrderLine, VendorOrder

    n = next(_sequence)
    listings = {product.id: db.session.query(Listing).filter_by(product_id=product.id).one() for product in products}
    subtotal = sum(listing.price_vnd * 2 for listing in listings.values())
    order = Order(reference=reference or f"OCOP-T-{n}", email="buyer@test.example", name="Đỗ Minh",
                  phone="0987000111", province_code="01", ward="Phường Hoàn Kiếm", address="2 Tràng Tiền",
                  status=status, payment_method=method, subtotal_vnd=subtotal, shipping_vnd=30000,
                  total_vnd=subtotal + 30000)
    db.session.add(order)
    db.session.flush()
    part = VendorOrder(order_id=order.id, entity_id=entity.id, entity_name=entity.name, status=status,
                       subtotal_vnd=subtotal, shipping_vnd=30000)
    db.session.add(part)
    db.session.flush()
    for product in products:
        listing = listings[product.id]
        db.session.add(OrderLine(vendor_order_id=part.id, listing_id=listing.id, product_id=product.id,
                                 product_name=product.name, entity_name=entity.name, certificate_number="1/QĐ-UBND",
                                 stars=4, unit_price_vnd=listing.price_vnd, quantity=2))
    db.session.flush()
    return part
