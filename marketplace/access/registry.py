"""Loading what the registry pages show, within the officer's scope."""

from flask import abort
from sqlalchemy import func, or_, select

from marketplace.access import policy
from marketplace.core.text import nfc
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product

PAGE = 100


def find_products(user, text):
    """Products in scope whose name, entity or certificate number contains ``text`` (newest first)."""
    query = policy.registry_products_for(user).add_columns(Entity).join(Entity, Entity.id == Product.entity_id)
    if text := nfc(text):
        numbers = select(Certificate.product_id).where(Certificate.number.contains(text, autoescape=True))
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(Product.name).like(pattern), func.lower(Entity.name).like(pattern),
                                Product.id.in_(numbers)))
    return db.session.execute(query.order_by(Product.id.desc()).limit(PAGE)).all()


def certificates_of(product_ids):
    """``{product_id: [certificates newest first]}`` in one query."""
    result = {}
    rows = db.session.scalars(select(Certificate).where(Certificate.product_id.in_(product_ids))
                              .order_by(Certificate.valid_from.desc()))
    for certificate in rows:
        result.setdefault(certificate.product_id, []).append(certificate)
    return result


def product_in_scope(user, product_id):
    """The product with ``product_id`` if the officer keeps it (404 otherwise), with its entity."""
    product = policy.get_or_404(policy.registry_products_for(user), product_id, Product)
    return product, db.session.get(Entity, product.entity_id)


def certificate_in_scope(user, certificate_id):
    """A certificate of a product in scope (404 otherwise), with its product."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    product, _ = product_in_scope(user, certificate.product_id)
    return certificate, product
