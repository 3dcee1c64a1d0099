"""Certificate operations shared by the imports, the registry pages and verification."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.core import audit
from marketplace.core.changes import apply_changes
from marketplace.extensions import db
from marketplace.registry.codes import normalize_code
from marketplace.registry.models import Certificate, Product


def resequence(certificates):
    """Make each certificate of one product superseded by the next newer one (by ``valid_from``).

    The newer certificate takes over on its own ``valid_from``: until then the older one stays valid.
    Returns ``(before, certificate)`` for each certificate whose supersession changed.
    """
    ordered = sorted(certificates, key=lambda c: (c.valid_from, c.id or 0))
    changed = []
    for older, newer in zip(ordered, [*ordered[1:], None], strict=True):
        target = (newer.id, newer.valid_from) if newer is not None else (None, None)
        if (older.superseded_by_id, older.superseded_on) != target:
            before = {"superseded_by": older.superseded_by_id,
                      "superseded_on": str(older.superseded_on) if older.superseded_on else None}
            older.superseded_by_id, older.superseded_on = target
            changed.append((before, older))
    return changed


def find_by_code(code):
    """The certificate with public ``code`` (typed codes are normalised), with its product and entity."""
    return db.session.scalar(_with_context().where(Certificate.code == normalize_code(code)))


def find_by_number(number):
    """The certificate with registry ``number`` exactly as written, with its product and entity."""
    return db.session.scalar(_with_context().where(Certificate.number == (number or "").strip()))


def _with_context():
    return select(Certificate).options(
        joinedload(Certificate.product).joinedload(Product.entity), joinedload(Certificate.superseded_by)
    )


def set_entity_contact(entity, phone, email):
    """Change how buyers reach the entity (its owner's fields; the legal ones stay the registry's); audited."""
    before, after = apply_changes(entity, {"contact_phone": phone or None, "contact_email": email or None})
    if after:
        audit.record(None, "entity.contact_updated", entity, before, after)
    return entity
