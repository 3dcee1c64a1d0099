"""Vendor listing import (contract §1 and §3): validate the whole file, then write it in one transaction."""

import re
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.core.imports import run_import
from marketplace.core.tabular import multiline, text
from marketplace.core.text import fold_words
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.models import Listing

REQUIRED_COLUMNS = ("certificate_number", "price_vnd", "stock")
OPTIONAL_COLUMNS = ("description_vi", "description_en", "unit")
LISTING_FIELDS = ("price_vnd", "stock", "published", *OPTIONAL_COLUMNS)
PUBLISH_VALUES = {"yes": True, "y": True, "true": True, "1": True, "co": True, "": True,
                  "no": False, "n": False, "false": False, "0": False, "khong": False}
_INTEGER = re.compile(r"^\d+$")


@dataclass
class ListingRow:
    """A validated listing row."""

    line: int
    number: str
    values: dict


def _integer(cells, column, errors, line, minimum):
    raw = text(cells, column)
    if not raw:
        errors.add(line, column, "is required")
        return None
    if not _INTEGER.match(raw):
        errors.add(line, column, f"'{raw}' is not a whole number")
        return None
    value = int(raw)
    if value < minimum:
        errors.add(line, column, f"must be at least {minimum}")
        return None
    return value


def parse_listing_row(line, cells, errors):
    """Validate one row; return a :class:`ListingRow` or None (errors recorded)."""
    before = len(errors.items)
    number = text(cells, "certificate_number")
    if not number:
        errors.add(line, "certificate_number", "is required")
    values = {"price_vnd": _integer(cells, "price_vnd", errors, line, 1),
              "stock": _integer(cells, "stock", errors, line, 0)}
    publish = fold_words(text(cells, "publish"))
    if publish not in PUBLISH_VALUES:
        errors.add(line, "publish", f"'{text(cells, 'publish')}' is not yes or no")
    values["published"] = PUBLISH_VALUES.get(publish, True)
    for column in OPTIONAL_COLUMNS:
        if column in cells:
            read = multiline if column.startswith("description") else text
            values[column] = read(cells, column) or None
    return ListingRow(line, number, values) if len(errors.items) == before else None


class CatalogImport:
    """Resolves certificate numbers to products once, then validates and writes listings."""

    def __init__(self, actor, entity_id=None):
        self.actor, self.entity_id = actor, entity_id
        rows = db.session.execute(select(Certificate.number, Certificate.product_id, Product.province_code,
                                         Product.entity_id).join(Product, Product.id == Certificate.product_id)).all()
        self.product_by_number = {number: product_id for number, product_id, _, _ in rows}
        self.province_by_product = {product_id: province for _, product_id, province, _ in rows}
        self.entity_by_product = {product_id: entity for _, product_id, _, entity in rows}
        self.listing_by_product = {}

    def validate(self, rows, errors):
        """Every certificate must exist; one row per product."""
        seen = {}
        for row in rows:
            product_id = self.product_by_number.get(row.number)
            if product_id is None:
                errors.add(row.line, "certificate_number", f"'{row.number}' is not in the certificate registry")
            elif self.entity_id is not None and self.entity_by_product[product_id] != self.entity_id:
                errors.add(row.line, "certificate_number", f"'{row.number}' is not a certificate of your products")
            elif product_id in seen:
                errors.add(row.line, "certificate_number", f"row {seen[product_id]} already lists this product")
            else:
                seen[product_id] = row.line

    def write(self, rows, result, progress):
        """Create or update one listing per row."""
        self.listing_by_product = {item.product_id: item for item in db.session.scalars(select(Listing))}
        pending = []
        for row in progress(rows, "writing"):
            product_id = self.product_by_number[row.number]
            listing = self.listing_by_product.get(product_id)
            if listing is None:
                listing = Listing(product_id=product_id, **row.values)
                db.session.add(listing)
                self.listing_by_product[product_id] = listing
                pending.append(("listing.created", listing, None, None))
                result.count("created")
                continue
            before, after = apply_changes(listing, row.values)
            if after:
                pending.append(("listing.updated", listing, before, after))
            result.count("updated" if after else "unchanged")
        db.session.flush()
        for action, listing, before, after in pending:
            audit.record(self.actor, action, listing, before, after or snapshot(listing, LISTING_FIELDS),
                         province_code=self.province_by_product[listing.product_id])


def import_catalog(path, dry_run=False, actor="cli:catalog-import", progress=None, entity_id=None):
    """Import a listing file (only the products of ``entity_id`` when given); return an :class:`ImportResult`."""
    job = CatalogImport(actor, entity_id)
    return run_import(path, REQUIRED_COLUMNS, parse_listing_row, job.validate, job.write, dry_run=dry_run,
                      progress=progress)
