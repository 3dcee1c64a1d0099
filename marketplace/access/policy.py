"""Who may do what to which object: the one place authorisation is decided.

Views and API handlers follow "load, authorise, act": load rows through the scoped queries below
(rows outside the user's scope are simply not found: 404), then ask :func:`can` for the action.
"""

from flask import abort
from sqlalchemy import false, select
from sqlalchemy.orm import contains_eager

from marketplace.accounts.models import EntityApplication, User, VendorMembership
from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.registry.models import Entity, Product
from marketplace.shop.catalog.models import Listing
from marketplace.shop.orders.models import Order, VendorOrder
from marketplace.showrooms.models import Showroom


def is_admin(user):
    """Administrators may do everything here."""
    return user.is_authenticated and user.role == "admin"


def officer_covers(user, province_code):
    """True for a national officer, or an officer of ``province_code``."""
    return user.is_authenticated and user.role == "officer" and user.province_code in (None, province_code)


def member_role(user, entity_id):
    """``owner``/``staff`` when ``user`` is a member of the entity, else None."""
    membership = user.membership if user.is_authenticated else None
    return membership.role if membership is not None and membership.entity_id == entity_id else None


RULES = {
    "entity.view": lambda user, entity: member_role(user, entity.id) is not None
    or officer_covers(user, entity.province_code) or is_admin(user),
    "entity.manage_team": lambda user, entity: member_role(user, entity.id) == "owner",
    "entity.edit_contact": lambda user, entity: member_role(user, entity.id) == "owner",
    "entity.manage_tokens": lambda user, entity: member_role(user, entity.id) == "owner",
    "application.decide": lambda user, application: application.status == "pending"
    and (officer_covers(user, application.province_code) or is_admin(user)),
    "audit.read": lambda user, _: user.role in ("officer", "admin"),
    "users.manage": lambda user, _: is_admin(user),
    "showroom.view": lambda user, showroom: (user.role == "showroom_staff" and user.showroom_id == showroom.id)
    or officer_covers(user, showroom.province_code) or is_admin(user),
    "entity.apply": lambda user, _: user.role == "customer" and user.membership is None,
}


def can(user, action, obj=None):
    """True when ``user`` may perform ``action`` on ``obj``."""
    return bool(user.is_authenticated and user.is_active and RULES[action](user, obj))


def authorize(user, action, obj=None):
    """Abort with 403 unless ``user`` may perform ``action`` on ``obj``."""
    if not can(user, action, obj):
        abort(403)


def sees_everything(user):
    """Admins and national officers see every province."""
    return is_admin(user) or (user.role == "officer" and user.province_code is None)


def province_scoped(query, province_column, user, otherwise):
    """``query`` for everyone who sees everything, limited to the officer's province, else ``otherwise``."""
    if sees_everything(user):
        return query
    if user.role == "officer":
        return query.where(province_column == user.province_code)
    return query.where(otherwise)


def applications_for(user):
    """Entity applications ``user`` may see: their own; their province's (officers); all (admins, national)."""
    return province_scoped(select(EntityApplication), EntityApplication.province_code, user,
                           EntityApplication.user_id == user.id)


def audit_for(user):
    """Audit entries ``user`` may read: all for admins and national officers, their province's for officers."""
    return province_scoped(select(AuditEntry), AuditEntry.province_code, user, false())


def entity_for(user):
    """The entity ``user`` is a member of, or None."""
    membership = user.membership if user.is_authenticated else None
    return db.session.get(Entity, membership.entity_id) if membership is not None else None


def own_entity_or_404(user):
    """The entity ``user`` is a member of, authorised for viewing; 404 when they belong to none."""
    entity = entity_for(user)
    if entity is None:
        abort(404)
    authorize(user, "entity.view", entity)
    return entity


def products_for(user):
    """(Product, Listing) rows of the entity ``user`` belongs to; nothing for everyone else."""
    membership = user.membership if user.is_authenticated else None
    query = select(Product, Listing).outerjoin(Listing, Listing.product_id == Product.id)
    if membership is None:
        return query.where(false())
    return query.where(Product.entity_id == membership.entity_id)


def registry_products_for(user):
    """Certified products an officer keeps: their province's, or all for national officers and admins."""
    return province_scoped(select(Product), Product.province_code, user, false())


def vendor_orders_for(user, status=None):
    """SELECT of (VendorOrder, order reference) the user's entity fulfils, newest first; nothing for others."""
    membership = user.membership if user.is_authenticated else None
    query = (select(VendorOrder, Order.reference).join(Order, Order.id == VendorOrder.order_id)
             .order_by(VendorOrder.id.desc()))
    if membership is None:
        return query.where(false())
    query = query.where(VendorOrder.entity_id == membership.entity_id)
    return query if status is None else query.where(VendorOrder.status == status)


def listings_for(user):
    """SELECT of the listings of the entity ``user`` belongs to (their product loaded); nothing for others."""
    membership = user.membership if user.is_authenticated else None
    query = (select(Listing).join(Product, Product.id == Listing.product_id)
             .options(contains_eager(Listing.product)))
    if membership is None:
        return query.where(false())
    return query.where(Product.entity_id == membership.entity_id)


def listing_for_member_or_404(user, listing_id):
    """Load, then authorise: a listing of the member's own entity, else 404."""
    own_entity_or_404(user)
    return get_or_404(listings_for(user), listing_id, Listing)


def members_of(entity_id):
    """(membership, user) pairs of an entity, owners first."""
    return db.session.execute(
        select(VendorMembership, User).join(User, User.id == VendorMembership.user_id)
        .where(VendorMembership.entity_id == entity_id).order_by(VendorMembership.role.desc(), User.email)
    ).all()


def showrooms_for(user):
    """Showrooms ``user`` may see: staff their own; officers their province's; admins and national all."""
    own = Showroom.id == user.showroom_id if user.role == "showroom_staff" else false()
    return province_scoped(select(Showroom), Showroom.province_code, user, own)


def get_or_404(query, row_id, model):
    """The row with ``row_id`` inside a scoped ``query``, else 404 (never 403 for rows out of scope)."""
    row = db.session.scalar(query.where(model.id == row_id))
    if row is None:
        abort(404)
    return row
