"""Read side of the catalogue: product cards re-checked by the rule, one product's page, listed counts."""

import functools
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.channels.services import product_channels
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.shop.catalog.models import Listing, ListingImage, ListingVariant, rating_average
from marketplace.shop.catalog.photos import images_for
from marketplace.shop.catalog.rules import (
    REASON_BY_STATUS,
    Availability,
    availability,
    listed_products,
    packages_price_and_stock,
)
from marketplace.shop.catalog.services import variants_of


class ProductPlace:
    """Province and classification of ``self.product``, from the reference data (no query)."""

    @property
    def province(self):
        """The product's current province."""
        return provinces()[self.product.province_code]

    @property
    def criteria(self):
        """The product's criteria set (with group and sector)."""
        return criteria_sets()[self.product.criteria_set_code]


@dataclass
class ProductCard(ProductPlace):
    """One listed product as pages and the API show it."""

    product: Product
    listing: Listing
    certificate: Certificate
    entity: Entity
    variants: list = field(default_factory=list)  #: the listing's other package sizes
    cover: ListingImage | None = None  #: the cover: the ready photo of lowest position; None for the generated tile

    @property
    def id(self):
        """The product's id."""
        return self.product.id

    @property
    def offer(self):
        """(price, in stock) as the product page offers them: the cheapest package in stock, else the cheapest."""
        return packages_price_and_stock(self.listing.price_vnd, self.listing.stock, self.variants)

    @property
    def price_vnd(self):
        """The price a card shows: the cheapest package that can be bought."""
        return self.offer[0]

    @property
    def in_stock(self):
        """True when at least one unit of some package can be bought."""
        return self.offer[1]


@dataclass(frozen=True, slots=True)
class Cover:
    """A card's cover photo: stored names and the original's size."""

    filename: str
    thumbnail: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class CardData:
    """A listed product's card as plain values (no database rows): what cards and the API show, safe to share."""

    id: int
    slug: str
    name: str
    province_code: str
    criteria_set_code: str
    stars: int
    price_vnd: int  #: the cheapest package that can be bought (the card's price)
    in_stock: bool
    unit: str | None
    rating_count: int
    rating_average: float | None
    entity_id: int
    entity_name: str
    entity_type: str
    entity_slug: str
    certificate_code: str
    certificate_number: str
    valid_until: date
    cover: Cover | None

    @property
    def province(self):
        """The product's current province (reference data, no query)."""
        return provinces()[self.province_code]


def _cover_condition():
    """Join condition picking each listing's cover photo: its ready photo with the lowest position."""
    other = aliased(ListingImage)
    first = (select(func.min(other.position)).where(other.listing_id == Listing.id, other.status == "ready")
             .scalar_subquery())
    return and_(ListingImage.listing_id == Listing.id, ListingImage.status == "ready", ListingImage.position == first)


#: What a card shows, read as plain columns (no ORM rows to build): see :func:`load_card_data`.
CARD_COLUMNS = (Product.id, Product.slug, Product.name, Product.province_code, Product.criteria_set_code,
                Certificate.stars, Certificate.code, Certificate.number, Certificate.valid_until,
                Listing.id, Listing.price_vnd, Listing.stock, Listing.unit, Listing.rating_count, Listing.rating_sum,
                Entity.id, Entity.name, Entity.entity_type, Entity.slug,
                ListingImage.filename, ListingImage.thumbnail, ListingImage.width, ListingImage.height)


def load_card_data(product_ids, day):
    """:func:`load_cards` as plain :class:`CardData`, in that order, from columns (cheaper: no rows to build).

    Two queries: the listed rows (entity and cover photo joined in) and the package sizes' prices and stock.
    """
    if not product_ids:
        return []
    rows = db.session.execute(_card_statement(day), {"ids": list(product_ids)}).all()
    packages = {}
    if rows:
        for listing_id, price, stock in db.session.execute(_PACKAGES, {"ids": [row[9] for row in rows]}):
            packages.setdefault(listing_id, []).append(Package(price, stock))
    cards = {row[0]: _card_data(row, packages.get(row[9], ())) for row in rows}
    return [cards[i] for i in product_ids if i in cards]


@functools.lru_cache(maxsize=4)
def _card_statement(day):
    """The cards' query for ``day``, built once (the product ids are its ``ids`` parameter)."""
    return (listed_products(day).with_only_columns(*CARD_COLUMNS)
            .join(Entity, Entity.id == Product.entity_id)
            .outerjoin(ListingImage, _cover_condition())
            .where(Product.id.in_(bindparam("ids", expanding=True))))


#: The package sizes' prices and stock of the listings ``ids``.
_PACKAGES = (select(ListingVariant.listing_id, ListingVariant.price_vnd, ListingVariant.stock)
             .where(ListingVariant.listing_id.in_(bindparam("ids", expanding=True))))


@dataclass(frozen=True, slots=True)
class Package:
    """A package size's price and stock (what a card's offer needs of a variant)."""

    price_vnd: int
    stock: int


def _card_data(row, variants):
    (product_id, slug, name, province_code, criteria_set_code, stars, code, number, valid_until, _listing_id,
     price_vnd, stock, unit, rating_count, rating_sum, entity_id, entity_name, entity_type, entity_slug,
     filename, thumbnail, width, height) = row
    price, in_stock = packages_price_and_stock(price_vnd, stock, variants)
    return CardData(
        id=product_id, slug=slug, name=name, province_code=province_code, criteria_set_code=criteria_set_code,
        stars=stars, price_vnd=price, in_stock=in_stock, unit=unit, rating_count=rating_count,
        rating_average=rating_average(rating_sum, rating_count), entity_id=entity_id, entity_name=entity_name,
        entity_type=entity_type, entity_slug=entity_slug, certificate_code=code, certificate_number=number,
        valid_until=valid_until, cover=Cover(filename, thumbnail, width, height) if filename is not None else None)


def load_cards(product_ids, day):
    """Cards for ``product_ids`` in that order, re-checked against the storefront rule, with cover photos.

    Two queries: the listed rows (entity and cover photo joined in) and the package sizes.
    """
    if not product_ids:
        return []
    rows = db.session.execute(listed_products(day).add_columns(Entity, ListingImage)
                              .join(Entity, Entity.id == Product.entity_id)
                              .outerjoin(ListingImage, _cover_condition())
                              .where(Product.id.in_(product_ids))).all()
    variants = variants_of([row[1].id for row in rows])
    cards = {product.id: ProductCard(product, listing, certificate, entity, variants.get(listing.id, []), cover)
             for product, listing, certificate, entity, cover in rows}
    return [cards[i] for i in product_ids if i in cards]


@dataclass
class ProductDetail(ProductPlace):
    """A product page's data: the product, its entity and listing, all certificates, availability, photos.

    The other sales channels and the alternatives are read when first asked for: a product page takes them only
    inside its kept block (web/templating.kept_block), so a page whose block is kept does not read them at all.
    """

    product: Product
    entity: Entity
    listing: Listing | None
    certificates: list
    availability: object
    images: list = field(default_factory=list)  #: the listing's ready photos by position (ListingImage)
    variants: list = field(default_factory=list)  #: the listing's other package sizes (ListingVariant), by price
    day: date | None = None  #: the day availability was decided for (the alternatives are listed on it)

    @functools.cached_property
    def elsewhere(self):
        """(ProductChannel, SalesChannel) pairs, "also available at", for a listed product (one query)."""
        return product_channels([self.product.id]).get(self.product.id, []) if self.availability.listed else []

    @functools.cached_property
    def alternatives(self):
        """(heading key, [CardData]) offered when the product is not listed (four queries), else []."""
        return [] if self.availability.listed else alternatives_for(self.product, self.day)

    @property
    def certificate(self):
        """The valid certificate, else the one that explains why the product is not sold."""
        return self.availability.certificate

    @property
    def certificate_status(self):
        """The shown certificate's state (valid, expired, revoked, superseded, not_yet_valid), None without one."""
        if self.certificate is None:
            return None
        by_reason = {reason: status for status, reason in REASON_BY_STATUS.items()}
        return by_reason.get(self.availability.reason, "valid")


_PRODUCT = (select(Product, Entity, Listing).join(Entity, Entity.id == Product.entity_id)
            .outerjoin(Listing, Listing.product_id == Product.id))
#: A product page's statements, built once (their values are parameters).
_BY_SLUG = _PRODUCT.where(Product.slug == bindparam("value"))
_BY_ID = _PRODUCT.where(Product.id == bindparam("value"))
_CERTIFICATES = (select(Certificate).where(Certificate.product_id == bindparam("product_id"))
                 .order_by(Certificate.valid_from.desc()))


def product_detail(day, slug=None, product_id=None):
    """Load one product by slug or id (listed or not) and decide its availability on ``day``.

    Two queries, a third for the listing's photos when the product has a listing and a fourth for its package
    sizes when it is listed; its other sales channels (one query) and alternatives (four) are read when asked for.
    """
    statement, value = (_BY_SLUG, slug) if slug is not None else (_BY_ID, product_id)
    row = db.session.execute(statement, {"value": value}).first()
    if row is None:
        return None
    product, entity, listing = row
    certificates = db.session.scalars(_CERTIFICATES, {"product_id": product.id}).all()
    images = images_for([listing.id], ready=True).get(listing.id, []) if listing is not None else []
    decided = availability(listing, certificates, day)
    variants = variants_of([listing.id]).get(listing.id, []) if decided.listed else []
    _link_supersessions(certificates)
    return ProductDetail(product, entity, listing, list(certificates), decided, images, variants, day)


def _link_supersessions(certificates):
    """Fill ``superseded_by`` from the product's own certificates already loaded (no query)."""
    by_id = {certificate.id: certificate for certificate in certificates}
    for certificate in certificates:
        set_committed_value(certificate, "superseded_by", by_id.get(certificate.superseded_by_id))


@dataclass(frozen=True, slots=True)
class PageProduct:
    """The product as a product page shows it outside its kept blocks."""

    id: int
    slug: str
    name: str
    province_code: str
    criteria_set_code: str


@dataclass(frozen=True, slots=True)
class PageEntity:
    """The seller's name and the slug of its page on the storefront."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class PageListing:
    """What the buy form and the reviews need of a listing."""

    id: int
    price_vnd: int
    unit: str | None
    stock: int
    rating_count: int


@dataclass(frozen=True, slots=True)
class PageVariant:
    """A package size the buy form offers."""

    id: int
    label: str
    price_vnd: int
    stock: int


@dataclass(frozen=True, slots=True)
class PageCertificate:
    """The dates and reason a page gives when the product is not sold."""

    stars: int
    valid_from: date
    valid_until: date
    revoked_on: date | None
    revocation_reason: str | None
    superseded_on: date | None


@dataclass(frozen=True)
class ProductPage(ProductPlace):
    """A product page's facts outside its kept blocks as plain values (no database rows): safe to share.

    Kept per catalogue generation, day and language (core/memo), so a signed-in visitor's product page reads no
    product row while its facts and kept blocks hold; the kept blocks render from the whole :class:`ProductDetail`.
    """

    product: PageProduct
    entity: PageEntity
    listing: PageListing | None
    availability: Availability
    images: tuple = ()  #: Cover per ready photo, by position
    variants: tuple = ()  #: PageVariant per other package size, by price

    @property
    def certificate(self):
        """The valid certificate, else the one that explains why the product is not sold (PageCertificate)."""
        return self.availability.certificate

    @classmethod
    def of(cls, detail):
        """The plain facts of a loaded :class:`ProductDetail`."""
        p, e, listing, decided, shown = detail.product, detail.entity, detail.listing, detail.availability, None
        if (c := decided.certificate) is not None:
            shown = PageCertificate(c.stars, c.valid_from, c.valid_until, c.revoked_on, c.revocation_reason,
                                    c.superseded_on)
        return cls(PageProduct(p.id, p.slug, p.name, p.province_code, p.criteria_set_code), PageEntity(e.name, e.slug),
                   None if listing is None else PageListing(listing.id, listing.price_vnd, listing.unit, listing.stock,
                                                            listing.rating_count),
                   Availability(decided.listed, decided.sellable, decided.reason, shown),
                   tuple(Cover(i.filename, i.thumbnail, i.width, i.height) for i in detail.images),
                   tuple(PageVariant(v.id, v.label, v.price_vnd, v.stock) for v in detail.variants))


ALTERNATIVES = 4  #: listed products offered per kind on the page of a product that is not sold


def _alternative_ids(product, day, condition):
    """Ids of up to ``ALTERNATIVES`` listed products matching ``condition``, best stars first (one query)."""
    stmt = (listed_products(day).with_only_columns(Product.id)
            .where(condition, Product.id != product.id)
            .order_by(Certificate.stars.desc(), Listing.stock.desc(), Product.id).limit(ALTERNATIVES))
    return list(db.session.scalars(stmt))


def alternatives_for(product, day):
    """Listed products to offer instead of ``product``: same criteria set, then same province (four queries).

    Returns ``[(kind, [CardData])]`` for the kinds that found any (``criteria``, ``province``); every card comes
    through the storefront rule, and a product found by both kinds is shown once.
    """
    same_set = _alternative_ids(product, day, Product.criteria_set_code == product.criteria_set_code)
    same_province = [i for i in _alternative_ids(product, day, and_(
        Product.province_code == product.province_code, Product.id.not_in(same_set or [0]))) if i not in same_set]
    cards = {card.id: card for card in load_card_data(same_set + same_province, day)}
    found = [("criteria", [cards[i] for i in same_set if i in cards]),
             ("province", [cards[i] for i in same_province if i in cards])]
    return [(kind, items) for kind, items in found if items]


def count_listed_by(day, column):
    """Listed-product counts grouped by ``column`` (for the home page's province and sector links)."""
    stmt = listed_products(day).with_only_columns(column, func.count()).group_by(column)
    return dict(db.session.execute(stmt).all())
