"""Certificate registry import (contract §1-§2): validate the whole file, then write it in one transaction.

An officer's file is checked row by row against the officer's scope (``officer_scope``): the row as written, and
every record it would change (the certificate its number names, the product and entity it names), with the rules
of ``lifecycle.may_certify``.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.changes import apply_changes, snapshot
from marketplace.core.imports import run_import
from marketplace.core.naming import unique_slug
from marketplace.core.tabular import N_
from marketplace.core.text import name_key
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry.codes import new_code
from marketplace.registry.lifecycle import may_certify
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.registry.parsing import REQUIRED_COLUMNS, parse_registry_row
from marketplace.registry.services import resequence

CERTIFICATE_FIELDS = (
    "decision_number", "decision_date", "issuing_authority", "issuing_level", "stars", "score",
    "valid_from", "valid_until", "status", "revoked_on", "revocation_reason",
)


class RegistryState:
    """The registry as the import needs it, loaded in three queries (no query per row)."""

    def __init__(self):
        entities = db.session.scalars(select(Entity)).all()
        self.entity_by_tax = {e.tax_code: e for e in entities if e.tax_code}
        self.entity_by_name = {}
        for entity in sorted(entities, key=lambda e: (e.tax_code is not None, e.id)):
            self.entity_by_name.setdefault((entity.name_key, entity.province_code), entity)
        self.entity_slugs = {e.slug for e in entities}
        products = db.session.scalars(select(Product)).all()
        self.product_by_key = {(p.entity_id, p.name_key): p for p in products}
        self.product_by_id = {p.id: p for p in products}
        self.product_slugs = {p.slug for p in products}
        certificates = db.session.scalars(select(Certificate)).all()
        self.certificate_by_number = {c.number: c for c in certificates}
        self.codes = {c.code for c in certificates}
        self.certificates_by_product = defaultdict(list)
        for certificate in certificates:
            self.certificates_by_product[certificate.product_id].append(certificate)

    def find_entity(self, row):
        """The entity a row names: by tax code, else by name in its province (an untaxed namesake is adopted)."""
        named = self.entity_by_name.get((name_key(row.entity_name), row.province_code))
        if row.tax_code:
            entity = self.entity_by_tax.get(row.tax_code)
            return entity if entity is not None else (named if named is not None and named.tax_code is None else None)
        return named

    def find_product(self, entity, product_name):
        """The product of ``entity`` called ``product_name``, if it exists."""
        return self.product_by_key.get((entity.id, name_key(product_name))) if entity is not None else None

    def targets(self, row):
        """The records ``row`` would change, as they are stored now."""
        entity = self.find_entity(row)
        certificate = self.certificate_by_number.get(row.number)
        return Targets(
            certificate=certificate,
            certificate_product=self.product_by_id.get(certificate.product_id) if certificate else None,
            product=self.find_product(entity, row.product_name), entity=entity,
            entity_changes=entity is not None and any(
                getattr(entity, name) != value for name, value in entity_values(entity, row).items()))


@dataclass
class Targets:
    """What a row would change, as stored now.

    The certificate of its number (and that certificate's product), the product it names (entity + name), the
    entity it names (tax code, else name in the province) and whether the entity's details would change.
    """

    certificate: Certificate | None
    certificate_product: Product | None
    product: Product | None
    entity: Entity | None
    entity_changes: bool


def entity_values(entity, row):
    """The entity's details as ``row`` writes them (what is missing from the row is kept)."""
    values = {"name": row.entity_name, "name_key": name_key(row.entity_name), "entity_type": row.entity_type}
    for field in ("representative_gender", "representative_ethnicity"):
        if getattr(row, field):
            values[field] = getattr(row, field)
    if entity is not None and row.tax_code and not entity.tax_code:
        values["tax_code"] = row.tax_code
    return values


def officer_scope(officer):
    """The scope check of an officer's registry file, or None when the officer may change anything.

    Provincial officers keep the 3-4★ certificates of their province (``lifecycle.may_certify``): the row must say
    so, and so must the records it would change, whatever the change (province, entity, stars, status). The
    check returns ``(column, reason)`` for the first thing out of scope.
    """
    if officer.role == "admin" or (officer.role == "officer" and officer.province_code is None):
        return None
    province = officer.province_code

    def check(row, targets):
        if row.province_code != province:
            return "province", N_("outside your province")
        if not may_certify(officer, row.province_code, row.stars):
            return "stars", N_("5 stars are certified by the ministry")
        certificate, held_in = targets.certificate, targets.certificate_product
        if certificate is not None and held_in.province_code != province:
            return "certificate_number", N_("certificate %(number)s belongs to %(province)s, outside your province",
                                            number=certificate.number, province=_name(held_in.province_code))
        if certificate is not None and not may_certify(officer, held_in.province_code, certificate.stars):
            return "certificate_number", N_("certificate %(number)s has %(stars)s stars: only the ministry may "
                                            "change it", number=certificate.number, stars=certificate.stars)
        if targets.product is not None and targets.product.province_code != province:
            return "product_name", N_("this product belongs to %(province)s, outside your province",
                                      province=_name(targets.product.province_code))
        if targets.entity_changes and targets.entity.province_code != province:
            return "entity_name", N_("this entity belongs to %(province)s, outside your province",
                                     province=_name(targets.entity.province_code))
        return None

    return check


def _name(province_code):
    province = provinces().get(province_code)
    return province.name if province else province_code


def newest(rows):
    """The row with the newest certificate (latest valid_from, then the later line)."""
    return max(rows, key=lambda r: (r.valid_from, r.line))


def validate_registry(rows, errors, state, check_row=None):
    """Cross-row and database checks: duplicates, two certificates of a product starting one day, scope.

    ``check_row(row, targets)`` returns ``(column, reason)`` for a row outside the uploader's scope, else None;
    ``targets`` are the records the row would change (:class:`Targets`).
    """
    first_line, starts = {}, {}
    for row in rows:
        if check_row is not None and (refusal := check_row(row, state.targets(row))):
            errors.add(row.line, *refusal)
        if row.number in first_line:
            errors.add(row.line, "certificate_number", f"duplicate of row {first_line[row.number]}")
        first_line.setdefault(row.number, row.line)
        key = (row.product_key, row.valid_from)
        if key in starts:
            errors.add(row.line, "valid_from",
                       f"row {starts[key]} has a certificate of this product starting the same day")
        starts.setdefault(key, row.line)
        product = state.find_product(state.find_entity(row), row.product_name)
        for other in state.certificates_by_product.get(product.id, []) if product else []:
            if other.number != row.number and other.valid_from == row.valid_from:
                errors.add(row.line, "valid_from",
                           f"certificate {other.number} of this product already starts on {row.valid_from}")


class RegistryWriter:
    """Writes validated rows: entities, then products, then certificates, then supersession."""

    def __init__(self, state, actor):
        self.state, self.actor = state, actor
        self.changed_lines = set()
        self.pending = []  #: audit entries waiting for new rows' ids

    def write(self, rows, result, progress):
        """Apply all rows and count each as created, updated or unchanged."""
        by_entity, by_product = defaultdict(list), defaultdict(list)
        for row in rows:
            by_entity[row.entity_key].append(row)
            by_product[row.product_key].append(row)
        entities = {key: self.entity(group) for key, group in by_entity.items()}
        db.session.flush()
        products = {key: self.product(entities[key[0]], group) for key, group in by_product.items()}
        db.session.flush()
        outcomes = {row.line: self.certificate(row, products[row.product_key]) for row in progress(rows, "writing")}
        db.session.flush()
        for action, certificate, before, after in self.pending:
            audit.record(self.actor, action, certificate, before, after)
        for product in products.values():
            for before, certificate in resequence(self.state.certificates_by_product[product.id]):
                after = {"superseded_by": certificate.superseded_by_id,
                         "superseded_on": str(certificate.superseded_on) if certificate.superseded_on else None}
                audit.record(self.actor, "certificate.superseded", certificate, before, after)
        for row in rows:
            outcome = outcomes[row.line]
            result.count("updated" if outcome == "unchanged" and row.line in self.changed_lines else outcome)

    def entity(self, rows):
        """Find or create the entity of these rows; its details come from the newest row."""
        row = newest(rows)
        entity = self.state.find_entity(row)
        values = entity_values(entity, row)
        if entity is None:
            entity = Entity(**values, tax_code=row.tax_code, province_code=row.province_code, address=row.address,
                            slug=unique_slug(row.entity_name, self.state.entity_slugs))
            db.session.add(entity)
            self.state.entity_by_name.setdefault((entity.name_key, entity.province_code), entity)
            if entity.tax_code:
                self.state.entity_by_tax[entity.tax_code] = entity
            return entity
        self.track(row, "entity.updated", entity, *apply_changes(entity, values))
        return entity

    def product(self, entity, rows):
        """Find, rename or create the product of these rows; its details come from its newest certificate."""
        row = newest(rows)
        product = self.state.find_product(entity, row.product_name) or self.renamed_product(entity, rows)
        values = {"criteria_set_code": row.product_group, "province_code": row.province_code,
                  "original_address": row.address}
        if product is None:
            product = Product(entity_id=entity.id, name=row.product_name, name_key=name_key(row.product_name),
                              slug=unique_slug(row.product_name, self.state.product_slugs), **values)
            db.session.add(product)
        else:
            existing = [c for c in self.state.certificates_by_product[product.id]
                        if c.number not in {r.number for r in rows}]
            if all(c.valid_from <= row.valid_from for c in existing):
                values.update(entity_id=entity.id, name=row.product_name, name_key=name_key(row.product_name))
                self.track(row, "product.updated", product, *apply_changes(product, values))
        self.state.product_by_key[(entity.id, product.name_key)] = product
        return product

    def renamed_product(self, entity, rows):
        """A product whose name was corrected: its certificates are all in these rows (then it is renamed)."""
        numbers = {r.number for r in rows}
        known = [self.state.certificate_by_number[n] for n in numbers if n in self.state.certificate_by_number]
        for certificate in known:
            siblings = self.state.certificates_by_product[certificate.product_id]
            if all(c.number in numbers for c in siblings):
                return db.session.get(Product, certificate.product_id)
        return None

    def certificate(self, row, product):
        """Create or update the certificate of ``row``; return created, updated or unchanged."""
        values = {field: getattr(row, field) for field in CERTIFICATE_FIELDS}
        certificate = self.state.certificate_by_number.get(row.number)
        if certificate is None:
            certificate = Certificate(number=row.number, code=new_code(self.state.codes), product_id=product.id,
                                      **values)
            db.session.add(certificate)
            self.state.certificate_by_number[row.number] = certificate
            self.state.certificates_by_product[product.id].append(certificate)
            self.pending.append(("certificate.created", certificate, None, snapshot(certificate, ("number",
                                                                                                 *CERTIFICATE_FIELDS))))
            return "created"
        if certificate.product_id != product.id:
            self.state.certificates_by_product[certificate.product_id].remove(certificate)
            self.state.certificates_by_product[product.id].append(certificate)
        values["product_id"] = product.id
        before, after = apply_changes(certificate, values)
        if not after:
            return "unchanged"
        action = {("active", "revoked"): "certificate.revoked", ("revoked", "active"): "certificate.reinstated"}.get(
            (before.get("status"), after.get("status")), "certificate.updated")
        self.pending.append((action, certificate, before, after))
        return "updated"

    def track(self, row, action, subject, before, after):
        """Audit a change to an entity or product and count it against ``row``."""
        if after:
            audit.record(self.actor, action, subject, before, after)
            self.changed_lines.add(row.line)


def import_registry(path, dry_run=False, actor="cli:registry-import", progress=None, check_row=None,
                    after_write=None):
    """Import a registry file; return an :class:`ImportResult` (errors listed when nothing was written).

    ``check_row(row, targets)`` refuses rows outside the uploader's scope (see :func:`officer_scope`).
    ``after_write(actor)`` runs once the rows are written, in the same transaction: what the layers above keep in
    step with the registry (``accounts.onboarding.rematch_pending``: pending applications see new entities).
    """
    state = RegistryState()
    writer = RegistryWriter(state, actor)

    def write(rows, result, progress):
        writer.write(rows, result, progress)
        if after_write is not None:
            db.session.flush()
            after_write(actor)

    return run_import(path, REQUIRED_COLUMNS, parse_registry_row, lambda rows, errors: validate_registry(
        rows, errors, state, check_row), write, dry_run=dry_run, progress=progress)
