"""`flask users create` (contract §1): accounts for bootstrapping and scripts."""

import secrets

from flask_babel import force_locale
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import VendorMembership
from marketplace.core import audit
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.reference.lookup import resolve_province
from marketplace.registry.models import Entity
from marketplace.showrooms.models import Showroom


def scope_for(role, entity_tax_code, showroom_id, province):
    """Check and resolve the scope options for ``role``; raise ValueError with a plain message."""
    scope, entity = {}, None
    if role == "vendor":
        if not entity_tax_code:
            raise ValueError("--entity TAX_CODE is required for vendors")
        entity = db.session.scalar(select(Entity).where(Entity.tax_code == entity_tax_code))
        if entity is None:
            raise ValueError(f"no entity with tax code {entity_tax_code}")
    if role == "showroom_staff":
        if showroom_id is None or db.session.get(Showroom, showroom_id) is None:
            raise ValueError("--showroom ID of an existing showroom is required for showroom staff")
        scope["showroom_id"] = showroom_id
    if role == "officer" and province:
        found = resolve_province(province)
        if found is None:
            raise ValueError(f"unknown province {province}")
        scope["province_code"] = found.code
    return scope, entity


def create_account(email, role, password, entity_tax_code=None, showroom_id=None, province=None):
    """Create a verified account; return the line to print (with the password when it was generated)."""
    scope, entity = scope_for(role, entity_tax_code, showroom_id, province)
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with force_locale("en"):
            user = services.create_user(email, password, role="customer" if role == "vendor" else role,
                                        verified=True, **scope)
            if entity is not None:
                has_owner = db.session.scalar(select(VendorMembership.id).where(
                    VendorMembership.entity_id == entity.id, VendorMembership.role == "owner"))
                services.member_of(user, entity.id, role="staff" if has_owner else "owner")
    except Refused as error:
        db.session.rollback()
        raise ValueError(error.message) from error
    audit.record("cli:users-create", "user.created", user, after={"role": role, **scope})
    db.session.commit()
    return f"created {user.email} ({role})" + (f" with password {password}" if generated else "")
