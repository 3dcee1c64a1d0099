"""Loading what the registry pages show, within the officer's scope."""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import and_, func, or_, select

from marketplace.access import policy
from marketplace.core.text import fold
from marketplace.extensions import db
from marketplace.registry.codes import ALPHABET, LENGTH, normalize_code
from marketplace.registry.models import Certificate, Entity, Product

PER_PAGE = 50


@dataclass(frozen=True)
class Found:
    """One page of the registry search: ``rows`` of (Product, Entity), the ``total`` and the page numbers."""

    rows: list
    total: int
    page: int
    pages: int


def find_products(user, text, page=1):
    """Products in scope matching ``text`` (newest first), one page of :data:`PER_PAGE`.

    Every typed word, folded like the storefront (case, diacritics, đ → d), must occur in the product's name, its
    entity's name or one of its certificate numbers; a verification code finds its certificate's product.
    """
    query = policy.registry_products_for(user).join(Entity, Entity.id == Product.entity_id)
    condition = matching(text)
    if condition is not None:
        query = query.where(condition)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(Product.id).subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(query.add_columns(Entity).order_by(Product.id.desc())
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Found(rows, total, page, pages)


def matching(text):
    """The SQL condition for ``text``: all its folded words, or its verification code; None for no text."""
    words = fold(text).split()
    if not words:
        return None
    condition = and_(*(word_matches(word) for word in words))
    code = normalize_code(text)
    if len(code) == LENGTH and set(code) <= set(ALPHABET):
        return or_(condition, Product.id.in_(select(Certificate.product_id).where(Certificate.code == code)))
    return condition


def word_matches(word):
    """One folded word within the product's name, its entity's name or a certificate number of the product."""
    numbers = select(Certificate.product_id).where(Certificate.number_folded.contains(word, autoescape=True))
    return or_(Product.name_folded.contains(word, autoescape=True),
               Entity.name_folded.contains(word, autoescape=True), Product.id.in_(numbers))


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


def matched_entities(applications):
    """``{entity_id: (Entity, number of certified products)}`` for the entities these applications matched."""
    ids = {item.entity_id for item in applications if item.entity_id}
    if not ids:
        return {}
    counts = dict(db.session.execute(select(Product.entity_id, func.count()).where(Product.entity_id.in_(ids))
                                     .group_by(Product.entity_id)).all())
    return {entity.id: (entity, counts.get(entity.id, 0))
            for entity in db.session.scalars(select(Entity).where(Entity.id.in_(ids)))}
