"""Vendor listing import (contract §1 and §3): validate the whole file, then write it in one transaction.

A row may name a product through any of its certificates, whatever their status (contract §3): after an upgrade
a cooperative's file often names it twice, through the old and the new certificate. Rows of one product with
the same offer (price, stock, unit) make one listing, written from the row whose certificate is valid today
(else the newest); rows with different offers are refused, naming both rows.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.core.clock import today
from marketplace.core.imports import run_import
from marketplace.core.tabular import N_, multiline, text
from marketplace.core.text import fold_words
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Product
from marketplace.registry.rules import VALID, certificate_status
from marketplace.shop.catalog.models import Listing

REQUIRED_COLUMNS = ("certificate_number", "price_vnd", "stock")
OPTIONAL_COLUMNS = ("description_vi", "description_en", "unit")
LISTING_FIELDS = ("price_vnd", "stock", "published", *OPTIONAL_COLUMNS)
OFFER_FIELDS = ("price_vnd", "stock", "unit")  #: what two rows of one product must agree on
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
        self.certificate_by_number = {row.number: row for row in db.session.execute(select(
            Certificate.number, Certificate.product_id, Certificate.status, Certificate.valid_from,
            Certificate.valid_until, Certificate.superseded_on, Product.province_code, Product.entity_id,
        ).join(Product, Product.id == Certificate.product_id))}
        self.province_by_product = {c.product_id: c.province_code for c in self.certificate_by_number.values()}
        self.listing_by_product = {}
        self.chosen = []  #: the one row written for each product, in file order

    def validate(self, rows, errors):
        """Every certificate must exist (and be the vendor's); rows naming one product must make one offer."""
        by_product = defaultdict(list)
        for row in rows:
            certificate = self.certificate_by_number.get(row.number)
            if certificate is None:
                errors.add(row.line, "certificate_number", f"'{row.number}' is not in the certificate registry")
            elif self.entity_id is not None and certificate.entity_id != self.entity_id:
                errors.add(row.line, "certificate_number", f"'{row.number}' is not a certificate of your products")
            else:
                by_product[certificate.product_id].append(row)
        day = today()
        for group in by_product.values():
            first = group[0]
            for row in group[1:]:
                differing = [name for name in OFFER_FIELDS if row.values.get(name) != first.values.get(name)]
                if differing:
                    errors.add(row.line, "certificate_number", N_(
                        "row %(line)s names this product too, with another offer (%(columns)s)",
                        line=first.line, columns=", ".join(differing)))
            self.chosen.append(max(group, key=lambda row: self._rank(row, day)))
        self.chosen.sort(key=lambda row: row.line)

    def _rank(self, row, day):
        """The row of the certificate valid on ``day`` first, then the newest certificate, then the later row."""
        certificate = self.certificate_by_number[row.number]
        return certificate_status(certificate, day) == VALID, certificate.valid_from, row.line

    def write(self, rows, result, progress):
        """Create or update one listing per product, from its chosen row (``rows`` converge to ``self.chosen``)."""
        self.listing_by_product = {item.product_id: item for item in db.session.scalars(select(Listing))}
        pending = []
        for row in progress(self.chosen, "writing"):
            product_id = self.certificate_by_number[row.number].product_id
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
