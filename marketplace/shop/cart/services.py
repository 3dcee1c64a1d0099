"""Basket operations; every line is re-checked against the storefront rule whenever the basket is shown."""

import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.errors import AccountError
from marketplace.certificates.models import Certificate
from marketplace.extensions import db
from marketplace.shop.cart.models import Cart, CartLine, ShippingRate
from marketplace.shop.models import Listing, Product
from marketplace.shop.rules import availability
from marketplace.vendors.models import Entity

SESSION_KEY = "cart_token"
MAX_QUANTITY = 99


@dataclass
class Item:
    """A basket line with what the storefront says about it today."""

    line: CartLine
    listing: Listing
    product: Product
    availability: object

    @property
    def buyable(self):
        """Sellable today and no more than the stock."""
        return self.availability.sellable and self.line.quantity <= self.listing.stock

    @property
    def total_vnd(self):
        """Price × quantity."""
        return self.listing.price_vnd * self.line.quantity


@dataclass
class Group:
    """One entity's part of the basket, with its shipping fee."""

    entity: Entity
    items: list = field(default_factory=list)
    shipping_vnd: int = 0

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
    """The listing if its product may be sold today, else raise AccountError saying why."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise AccountError(_("This product is not sold here."))
    certificates = db.session.scalars(select(Certificate).where(Certificate.product_id == listing.product_id)).all()
    if not availability(listing, certificates, day).sellable:
        raise AccountError(_("This product cannot be bought at the moment."))
    return listing


def add(cart, listing_id, quantity, day):
    """Add ``quantity`` units (capped at the stock) of a sellable listing."""
    listing = sellable_listing(listing_id, day)
    line = db.session.scalar(select(CartLine).where(CartLine.cart_id == cart.id, CartLine.listing_id == listing.id))
    wanted = (line.quantity if line else 0) + max(1, quantity)
    capped = min(wanted, listing.stock, MAX_QUANTITY)
    if line is None:
        line = CartLine(cart_id=cart.id, listing_id=listing.id, quantity=capped)
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
    line.quantity = max(1, min(quantity, listing.stock, MAX_QUANTITY))
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
        existing = db.session.scalar(select(CartLine).where(CartLine.cart_id == mine.id,
                                                            CartLine.listing_id == line.listing_id))
        listing = db.session.get(Listing, line.listing_id)
        if existing is None:
            line.cart_id = mine.id
            line.quantity = max(1, min(line.quantity, listing.stock, MAX_QUANTITY))
        else:
            existing.quantity = max(1, min(existing.quantity + line.quantity, listing.stock, MAX_QUANTITY))
            db.session.delete(line)
    db.session.flush()
    db.session.delete(anonymous)


def view(cart, day, province_code=None):
    """The basket grouped by entity, every line judged by the storefront rule today (four queries)."""
    if cart is None:
        return BasketView(groups=[])
    rows = db.session.execute(
        select(CartLine, Listing, Product, Entity).join(Listing, Listing.id == CartLine.listing_id)
        .join(Product, Product.id == Listing.product_id).join(Entity, Entity.id == Product.entity_id)
        .where(CartLine.cart_id == cart.id).order_by(Entity.name, Product.name)).all()
    product_ids = [product.id for _, _, product, _ in rows]
    certificates = {}
    for certificate in db.session.scalars(select(Certificate).where(Certificate.product_id.in_(product_ids))):
        certificates.setdefault(certificate.product_id, []).append(certificate)
    groups = {}
    for line, listing, product, entity in rows:
        group = groups.setdefault(entity.id, Group(entity=entity))
        group.items.append(Item(line, listing, product, availability(listing, certificates.get(product.id, []), day)))
    fees = shipping_fees(list(groups), province_code)
    for entity_id, group in groups.items():
        group.shipping_vnd = fees.get(entity_id, current_app.config["SHIPPING_DEFAULT_VND"])
    return BasketView(groups=list(groups.values()))


def shipping_fees(entity_ids, province_code):
    """``{entity_id: fee}`` for shipping to ``province_code``: the entity's rate there, else its default."""
    fees = {}
    rates = db.session.scalars(select(ShippingRate).where(ShippingRate.entity_id.in_(entity_ids))).all()
    for rate in sorted(rates, key=lambda r: r.province_code is not None):  # defaults first, specific wins
        if rate.province_code in (None, province_code):
            fees[rate.entity_id] = rate.fee_vnd
    return fees
