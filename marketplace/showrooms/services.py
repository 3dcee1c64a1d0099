"""Showroom shelves: what stands on them, with each certificate's state, and the placement decisions."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.core import audit
from marketplace.core.errors import Refused
from marketplace.core.text import fold, nfc
from marketplace.extensions import db
from marketplace.registry.codes import normalize_code
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.registry.rules import VALID, certificate_status, explaining_certificate
from marketplace.showrooms.models import PLACEMENT_LABELS, Placement

EXPIRING_DAYS = 90
#: Most urgent first: what must leave the shelf, then what is about to lapse, then the rest.
URGENCY = {"revoked": 0, "expired": 1, "superseded": 2, "not_yet_valid": 3, "no_certificate": 3, "expiring": 4,
           "valid": 5}
#: Allowed placement moves: status → {action: new status}. Staff decide on a placement (accept, decline, display,
#: remove) or put a product straight on the shelf (place); its vendor proposes it again (request).
TRANSITIONS = {
    "requested": {"accept": "accepted", "decline": "declined", "place": "displayed"},
    "accepted": {"display": "displayed", "remove": "removed", "place": "displayed"},
    "displayed": {"remove": "removed"},
    "removed": {"display": "displayed", "place": "displayed", "request": "requested"},
    "declined": {"place": "displayed", "request": "requested"},
}
#: How a new placement starts: staff put the product on the shelf, or its vendor proposes it.
START = {"place": "displayed", "request": "requested"}
#: The actions of the staff's decision buttons (``decide``); the vendor's ``request`` sets who asked instead.
DECISIONS = ("accept", "decline", "display", "remove")


@dataclass
class ShelfItem:
    """A product as showroom staff see it: its placement, certificate and how urgent it is."""

    placement: Placement | None
    product: Product
    entity: Entity
    certificate: Certificate | None
    flag: str
    days_left: int | None

    @property
    def urgency(self):
        """Sort key: most urgent first, then soonest expiry."""
        return URGENCY[self.flag], self.days_left if self.days_left is not None else 10**6


def flag_for(certificate, day):
    """valid, expiring (within 90 days), expired, revoked, superseded, not_yet_valid or no_certificate."""
    if certificate is None:
        return "no_certificate", None
    status = certificate_status(certificate, day)
    days_left = (certificate.valid_until - day).days
    if status == VALID and days_left <= EXPIRING_DAYS:
        return "expiring", days_left
    return status, days_left


def items_for(rows, day):
    """ShelfItems for ``(placement, product, entity)`` rows, loading all certificates in one query."""
    certificates = {}
    ids = [product.id for _placement, product, _entity in rows]
    for certificate in db.session.scalars(select(Certificate).where(Certificate.product_id.in_(ids))):
        certificates.setdefault(certificate.product_id, []).append(certificate)
    items = []
    for placement, product, entity in rows:
        certificate = explaining_certificate(certificates.get(product.id, []), day)
        flag, days_left = flag_for(certificate, day)
        items.append(ShelfItem(placement, product, entity, certificate, flag, days_left))
    return items


def shelf(showroom, day):
    """(on the shelf or accepted, sorted by urgency; pending requests)."""
    rows = db.session.execute(select(Placement, Product, Entity).join(Product, Product.id == Placement.product_id)
                              .join(Entity, Entity.id == Product.entity_id)
                              .where(Placement.showroom_id == showroom.id)).all()
    items = items_for(rows, day)
    on_shelf = sorted((i for i in items if i.placement.status in ("accepted", "displayed")), key=lambda i: i.urgency)
    requests = [i for i in items if i.placement.status == "requested"]
    return on_shelf, requests


def lookup(text, day, limit=20):
    """Products found by verification code, certificate number or name (any certificate state)."""
    text = nfc(text)
    if not text:
        return []
    folded = fold(text)
    by_certificate = select(Certificate.product_id).where(or_(Certificate.code == normalize_code(text),
                                                              Certificate.number_folded == folded))
    query = (select(Product, Entity).join(Entity, Entity.id == Product.entity_id)
             .where(or_(Product.id.in_(by_certificate), Product.name_folded.contains(folded, autoescape=True)))
             .order_by(Product.name).limit(limit))
    return items_for([(None, product, entity) for product, entity in db.session.execute(query).all()], day)


def decide(placement, action, user, note=None):
    """Accept, decline, display or remove a placement; an impossible move says why."""
    if action not in DECISIONS:
        raise Refused(_("This placement (%(status)s) cannot be changed that way.",
                        status=PLACEMENT_LABELS[placement.status]))
    return move(placement, action, user, note)


def has_valid_certificate(product, day):
    """True when the product's certificate is valid on ``day`` (expiring soon included)."""
    certificates = db.session.scalars(select(Certificate).where(Certificate.product_id == product.id)).all()
    return flag_for(explaining_certificate(certificates, day), day)[0] in ("valid", "expiring")


def placement_of(showroom, product):
    """The placement of ``product`` in ``showroom``, or None."""
    return db.session.scalar(select(Placement).where(Placement.showroom_id == showroom.id,
                                                     Placement.product_id == product.id))


def move(placement, action, user, note=None):
    """The one way a placement's status changes; records who acted and an audit entry.

    ``action`` must be allowed from the placement's status (``START`` for a new placement): an impossible move raises
    Refused and changes nothing. A stored placement's row is locked first (read again): of two people acting on
    it at once, the second waits, then moves it from where the first left it, or is refused.
    """
    if placement.id is not None and placement not in db.session.new:
        db.session.refresh(placement, with_for_update=True)
    current = placement.status  # None for a new placement
    target = (START if current is None else TRANSITIONS[current]).get(action)
    if target is None:
        raise Refused(_("This placement (%(status)s) cannot be changed that way.",
                        status=PLACEMENT_LABELS.get(current, "—")))
    placement.status = target
    if action == "request":
        placement.requested_by_id = user.id
    else:
        placement.decided_by_id = user.id
    if note:
        placement.note = note
    db.session.flush()
    after = {"status": target, "note": note} if action in DECISIONS else {"status": target}
    audit.record(None, f"placement.{target}", placement, None if current is None else {"status": current}, after)
    return placement


def put_on_shelf(showroom, product, user, day):
    """Staff place a product directly; only a product with a valid certificate may go on the shelf."""
    if not has_valid_certificate(product, day):
        raise Refused(_("Only products with a valid OCOP certificate may go on the shelf."))
    placement = placement_of(showroom, product)
    if placement is None:
        placement = Placement(showroom_id=showroom.id, product_id=product.id)
        db.session.add(placement)
    elif placement.status == "displayed":
        return placement
    return move(placement, "place", user)


def request_placement(user, product, showroom, day):
    """A vendor asks a showroom to display one of its products (with a valid certificate)."""
    if not has_valid_certificate(product, day):
        raise Refused(_("Only products with a valid OCOP certificate can be proposed to a showroom."))
    placement = placement_of(showroom, product)
    if placement is not None and placement.status not in ("declined", "removed"):
        raise Refused(_("This product is already proposed to or displayed in this showroom."))
    if placement is None:
        placement = Placement(showroom_id=showroom.id, product_id=product.id)
        db.session.add(placement)
    placement = move(placement, "request", user)
    placement.note = None  # the staff's note on the earlier request (after move: it reads the locked row again)
    return placement
