"""Basket operations; every line is re-checked against the storefront rule whenever the basket is shown."""

import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.shipping.quotes import Destination, Part, quote_parts
from marketplace.shop.cart.models import Cart, CartLine
from marketplace.shop.catalog.models import Listing, ListingVariant
from marketplace.shop.catalog.rules import availability

SESSION_KEY = "cart_token"
MAX_QUANTITY = 99


@dataclass
class Item:
    """A basket line with what the storefront says about it today."""

    line: CartLine
    listing: Listing
    product: Product
    availability: object
    variant: ListingVariant | None = None  #: None: the listing's own package

    @property
    def price_vnd(self):
        """The unit price of the chosen package."""
        return self.variant.price_vnd if self.variant else self.listing.price_vnd

    @property
    def stock(self):
        """What is left of the chosen package."""
        return self.variant.stock if self.variant else self.listing.stock

    @property
    def label(self):
        """The chosen package, e.g. "hộp 500 g" (None when the listing names none)."""
        return self.variant.label if self.variant else self.listing.unit

    @property
    def buyable(self):
        """Listed today (valid certificate, published) and no more than the chosen package's stock."""
        return self.availability.listed and self.line.quantity <= self.stock

    @property
    def total_vnd(self):
        """Price × quantity."""
        return self.price_vnd * self.line.quantity


@dataclass
class Group:
    """One entity's part of the basket, with its shipping fee and expected delivery (``shipping.quotes.Quote``)."""

    entity: Entity
    items: list = field(default_factory=list)
    quote: object = None

    @property
    def shipping_vnd(self):
        """What the buyer pays to ship this part."""
        return self.quote.fee_vnd if self.quote else 0

    @property
    def subtotal_vnd(self):
        """Sum of the buyable lines."""
        return sum(item.total_vnd for item in self.items if item.buyable)


@dataclass
class BasketView:
    """The basket grouped by entity, with totals and whether it can be checked out."""

    groups: list

    @property
    def subtotal_vnd(self):
        """All groups' subtotals."""
        return sum(group.subtotal_vnd for group in self.groups)

    @property
    def shipping_vnd(self):
        """All groups' shipping fees."""
        return sum(group.shipping_vnd for group in self.groups if group.subtotal_vnd)

    @property
    def total_vnd(self):
        """What the customer pays."""
        return self.subtotal_vnd + self.shipping_vnd

    @property
    def blocked(self):
        """Lines that cannot be bought as they are (no longer sellable, or more than the stock)."""
        return [item for group in self.groups for item in group.items if not item.buyable]

    @property
    def count(self):
        """Number of units in the basket."""
        return sum(item.line.quantity for group in self.groups for item in group.items)


def find_cart(user, session):
    """The current visitor's basket, or None."""
    if user.is_authenticated:
        return db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    token = session.get(SESSION_KEY)
    return db.session.scalar(select(Cart).where(Cart.token == token)) if token else None


def lock(cart):
    """Take the basket's row lock (``SELECT … FOR UPDATE``): two checkouts of one basket run one after the other."""
    db.session.flush()
    db.session.refresh(cart, with_for_update=True)
    return cart


def get_or_create_cart(user, session):
    """The current visitor's basket, created when missing."""
    cart = find_cart(user, session)
    if cart is None:
        if user.is_authenticated:
            cart = Cart(user_id=user.id)
        else:
            session[SESSION_KEY] = secrets.token_urlsafe(32)
            cart = Cart(token=session[SESSION_KEY])
        db.session.add(cart)
        db.session.flush()
    return cart


def sellable_listing(listing_id, day):
    """The listing if its product is listed today (the storefront rule), else raise Refused saying why.

    Stock is judged per package by the caller: a listing whose first package is sold out may sell another.
    """
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise Refused(_("This product is not sold here."))
    certificates = db.session.scalars(select(Certificate).where(Certificate.product_id == listing.product_id)).all()
    if not availability(listing, certificates, day).listed:
        raise Refused(_("This product cannot be bought at the moment."))
    return listing


def variant_of(listing, variant_id):
    """The listing's variant ``variant_id`` (None for the listing's own package); Refused if not its own."""
    if not variant_id:
        return None
    variant = db.session.scalar(select(ListingVariant).where(ListingVariant.id == variant_id,
                                                             ListingVariant.listing_id == listing.id))
    if variant is None:
        raise Refused(_("This product is not sold here."))
    return variant


def stock_of(listing, variant):
    """Units left of the listing's own package or of one of its variants."""
    return variant.stock if variant is not None else listing.stock


def _same_line(cart_id, listing_id, variant_id):
    return select(CartLine).where(CartLine.cart_id == cart_id, CartLine.listing_id == listing_id,
                                  CartLine.variant_id.is_(None) if variant_id is None
                                  else CartLine.variant_id == variant_id)


def add(cart, listing_id, quantity, day, variant_id=None):
    """Add ``quantity`` units (capped at the stock) of a sellable listing, or of one of its variants."""
    listing = sellable_listing(listing_id, day)
    variant = variant_of(listing, variant_id)
    variant_id = variant.id if variant else None
    if stock_of(listing, variant) <= 0:
        raise Refused(_("This product cannot be bought at the moment."))
    line = db.session.scalar(_same_line(cart.id, listing.id, variant_id))
    wanted = (line.quantity if line else 0) + max(1, quantity)
    capped = min(wanted, stock_of(listing, variant), MAX_QUANTITY)
    if line is None:
        line = CartLine(cart_id=cart.id, listing_id=listing.id, variant_id=variant_id, quantity=capped)
        db.session.add(line)
    line.quantity = capped
    db.session.flush()
    return line, capped < wanted


def set_quantity(cart, line_id, quantity):
    """Change a line's quantity (0 removes it); capped at the stock."""
    line = db.session.scalar(select(CartLine).where(CartLine.cart_id == cart.id, CartLine.id == line_id))
    if line is None:
        return None
    if quantity <= 0:
        db.session.delete(line)
        return None
    listing = db.session.get(Listing, line.listing_id)
    stock = stock_of(listing, db.session.get(ListingVariant, line.variant_id) if line.variant_id else None)
    line.quantity = max(1, min(quantity, stock, MAX_QUANTITY))
    return line


def merge_on_login(user, session):
    """Move the anonymous basket into the user's basket (quantities added, capped at the stock)."""
    token = session.pop(SESSION_KEY, None)
    anonymous = db.session.scalar(select(Cart).where(Cart.token == token)) if token else None
    if anonymous is None:
        return
    mine = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if mine is None:
        anonymous.token, anonymous.user_id = None, user.id
        return
    for line in db.session.scalars(select(CartLine).where(CartLine.cart_id == anonymous.id)):
        existing = db.session.scalar(_same_line(mine.id, line.listing_id, line.variant_id))
        listing = db.session.get(Listing, line.listing_id)
        stock = stock_of(listing, db.session.get(ListingVariant, line.variant_id) if line.variant_id else None)
        if existing is None:
            line.cart_id = mine.id
            line.quantity = max(1, min(line.quantity, stock, MAX_QUANTITY))
        else:
            existing.quantity = max(1, min(existing.quantity + line.quantity, stock, MAX_QUANTITY))
            db.session.delete(line)
    db.session.flush()
    db.session.delete(anonymous)


def view(cart, day, province_code=None, ward_code=None):
    """The basket grouped by entity, every line judged by the storefront rule today, each part's shipping quoted.

    Four queries, plus the carrier's quotes when the ward is known and a carrier is configured (``shipping.quotes``:
    the entity's rate table otherwise).
    """
    if cart is None:
        return BasketView(groups=[])
    rows = db.session.execute(
        select(CartLine, Listing, Product, Entity, ListingVariant).join(Listing, Listing.id == CartLine.listing_id)
        .join(Product, Product.id == Listing.product_id).join(Entity, Entity.id == Product.entity_id)
        .outerjoin(ListingVariant, ListingVariant.id == CartLine.variant_id)
        .where(CartLine.cart_id == cart.id).order_by(Entity.name, Product.name, CartLine.id)).all()
    product_ids = [row[2].id for row in rows]
    certificates = {}
    for certificate in db.session.scalars(select(Certificate).where(Certificate.product_id.in_(product_ids))):
        certificates.setdefault(certificate.product_id, []).append(certificate)
    groups = {}
    for line, listing, product, entity, variant in rows:
        group = groups.setdefault(entity.id, Group(entity=entity))
        group.items.append(Item(line, listing, product, availability(listing, certificates.get(product.id, []), day),
                                variant))
    parts = [Part(group.entity, group.subtotal_vnd, tuple((item.listing, item.variant, item.line.quantity)
                                                         for item in group.items if item.buyable))
             for group in groups.values()]
    destination = Destination(province_code, ward_code) if province_code else None
    quotes = quote_parts(parts, destination, day)
    for entity_id, group in groups.items():
        group.quote = quotes[entity_id]
    return BasketView(groups=list(groups.values()))
