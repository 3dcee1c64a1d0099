"""Import every model module so SQLAlchemy metadata (and Alembic) sees all tables."""

from marketplace.accounts.api_tokens import ApiToken  # noqa: F401
from marketplace.accounts.consent import ConsentRecord  # noqa: F401
from marketplace.accounts.models import EntityApplication, Invitation, User, VendorMembership  # noqa: F401
from marketplace.accounts.policies import Policy  # noqa: F401
from marketplace.channels.models import EntityChannel, ProductChannel, SalesChannel  # noqa: F401
from marketplace.core.audit import AuditEntry  # noqa: F401
from marketplace.jobs.models import ImportRun, JobFailure  # noqa: F401
from marketplace.payments.models import Payment, ProcessedStripeEvent  # noqa: F401
from marketplace.payments.payouts import Payout  # noqa: F401
from marketplace.reference.models import CriteriaSet, LegacyProvince, ProductGroup, Province, Sector  # noqa: F401
from marketplace.registry.models import (  # noqa: F401
    Certificate,
    CertificateReminder,
    Entity,  # noqa: F401
    Product,
)
from marketplace.returns.models import CaseEvent, CaseLine, CasePhoto, ReturnCase  # noqa: F401
from marketplace.reviews.models import Review, ReviewEvent, ReviewPhoto, ReviewReport  # noqa: F401
from marketplace.search.models import SearchPending  # noqa: F401
from marketplace.shipping.models import CarrierEvent, Shipment, ShippingProfile, ShippingRate  # noqa: F401
from marketplace.shop.cart.models import Cart, CartLine  # noqa: F401
from marketplace.shop.cart.wishlist import RecentlyViewed, WishlistItem  # noqa: F401
from marketplace.shop.catalog.models import Listing, ListingImage, ProductView  # noqa: F401
from marketplace.shop.orders.models import Order, OrderEvent, OrderLine, VendorOrder  # noqa: F401
from marketplace.shop.orders.statements import StatementEntry  # noqa: F401
from marketplace.showrooms.models import Placement, Showroom, ShowroomNotice  # noqa: F401
