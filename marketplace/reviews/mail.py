"""Mail to the producer when a review of one of its products is published (each member in their language)."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User, VendorMembership
from marketplace.accounts.services import send_to_address
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.registry.models import Product


def notify_vendor(review):
    """Mail every member of the product's entity about ``review`` (sent once the caller commits)."""
    product = db.session.execute(select(Product.name, Product.entity_id).where(Product.id == review.product_id)).one()
    members = db.session.scalars(select(User).join(VendorMembership, VendorMembership.user_id == User.id)
                                 .where(VendorMembership.entity_id == product.entity_id).order_by(User.email)).all()
    link = external_url("vendor.reviews")
    for user in members:
        send_to_address(user.email, user.preferred_locale,
                        lambda: _("New review of %(product)s: %(stars)d/5", product=product.name, stars=review.rating),
                        lambda: _("A buyer who received %(product)s rated it %(stars)d/5:\n\n%(text)s\n\n"
                                  "You can answer it once, publicly: %(link)s", product=product.name,
                                  stars=review.rating, text=review.body or "—", link=link))
