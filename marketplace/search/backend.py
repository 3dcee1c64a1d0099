"""Database search backend: every folded query word must appear in the product's search words."""

from sqlalchemy import case, literal, select

from marketplace.core.text import fold_words
from marketplace.extensions import db
from marketplace.search.documents import search_text
from marketplace.shop.models import Listing, Product
from marketplace.vendors.models import Entity

CHUNK = 500


def query_words(query):
    """The folded words of what was typed."""
    return fold_words(query).split()


def text_condition(query):
    """SQL condition: every typed word is a word of the product's text; the last may be a word's beginning.

    Diacritics and case are ignored ("nuoc mam" finds "Nước mắm").
    """
    words = query_words(query)
    if not words:
        return None
    padded = literal(" ") + Product.search_text + literal(" ")
    conditions = [padded.contains(f" {word} ", autoescape=True) for word in words[:-1]]
    conditions.append(padded.contains(f" {words[-1]}", autoescape=True))
    return db.and_(*conditions)


def text_rank(query):
    """SQL sort key: the whole phrase at the start of the name, then in the name, then elsewhere."""
    phrase = " ".join(query_words(query))
    return case(
        (Product.name_folded.startswith(phrase, autoescape=True), 0),
        (Product.name_folded.contains(phrase, autoescape=True), 1),
        else_=2,
    )


def refresh_products(product_ids):
    """Recompute the search words of the given products (called by the services that change them)."""
    ids = sorted(product_ids)
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Product, Entity, Listing)
            .join(Entity, Entity.id == Product.entity_id)
            .outerjoin(Listing, Listing.product_id == Product.id)
            .where(Product.id.in_(ids[start:start + CHUNK]))
        ).all()
        for product, entity, listing in rows:
            product.search_text = search_text(product, entity, listing)
            product.name_folded = fold_words(product.name)
