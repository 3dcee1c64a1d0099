"""Read side of the catalogue: product cards re-checked by the rule, one product's page, listed counts."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from marketplace.channels.services import product_channels
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.shop.catalog.models import Listing
from marketplace.shop.catalog.photos import images_for
from marketplace.shop.catalog.rules import availability, listed_products, packages_price_and_stock
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


def load_cards(product_ids, day):
    """Cards for ``product_ids`` in that order, re-checked against the storefront rule (two queries)."""
    if not product_ids:
        return []
    rows = db.session.execute(listed_products(day).add_columns(Entity).join(Entity, Entity.id == Product.entity_id)
                              .where(Product.id.in_(product_ids))).all()
    variants = variants_of([listing.id for _product, listing, _certificate, _entity in rows])
    cards = {product.id: ProductCard(product, listing, certificate, entity, variants.get(listing.id, []))
             for product, listing, certificate, entity in rows}
    return [cards[i] for i in product_ids if i in cards]


@dataclass
class ProductDetail(ProductPlace):
    """A product page's data: the product, its entity and listing, all certificates, availability, photos."""

    product: Product
    entity: Entity
    listing: Listing | None
    certificates: list
    availability: object
    images: list = field(default_factory=list)  #: the listing's photos by position (ListingImage)
    elsewhere: list = field(default_factory=list)  #: (ProductChannel, SalesChannel): "also available at"
    variants: list = field(default_factory=list)  #: the listing's other package sizes (ListingVariant), by price

    @property
    def certificate(self):
        """The valid certificate, else the one that explains why the product is not sold."""
        return self.availability.certificate


def product_detail(day, slug=None, product_id=None):
    """Load one product by slug or id (listed or not) and decide its availability on ``day``.

    Two queries, a third for the listing's photos when the product has a listing, and two more for its other
    sales channels and package sizes when it is listed.
    """
    condition = Product.slug == slug if slug is not None else Product.id == product_id
    row = db.session.execute(
        select(Product, Entity, Listing).join(Entity, Entity.id == Product.entity_id)
        .outerjoin(Listing, Listing.product_id == Product.id).where(condition)
    ).first()
    if row is None:
        return None
    product, entity, listing = row
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.product_id == product.id).order_by(Certificate.valid_from.desc())
    ).all()
    images = images_for([listing.id]).get(listing.id, []) if listing is not None else []
    decided = availability(listing, certificates, day)
    elsewhere = product_channels([product.id]).get(product.id, []) if decided.listed else []
    variants = variants_of([listing.id]).get(listing.id, []) if decided.listed else []
    return ProductDetail(product, entity, listing, list(certificates), decided, images, elsewhere, variants)


def count_listed_by(day, column):
    """Listed-product counts grouped by ``column`` (for the home page's province and sector links)."""
    stmt = listed_products(day).with_only_columns(column, func.count()).group_by(column)
    return dict(db.session.execute(stmt).all())
