"""A customer's saved delivery addresses: at most one default, offered first at checkout (flush only)."""

from sqlalchemy import select, update

from marketplace.accounts.models import SavedAddress
from marketplace.extensions import db


def of(user):
    """The user's saved addresses, the default first, then the newest."""
    return db.session.scalars(select(SavedAddress).where(SavedAddress.user_id == user.id)
                              .order_by(SavedAddress.is_default.desc(), SavedAddress.id.desc())).all()


def find(user, address_id):
    """One of the user's saved addresses, or None (another person's is never found)."""
    return db.session.scalar(select(SavedAddress).where(SavedAddress.id == address_id,
                                                        SavedAddress.user_id == user.id))


def default_for(user):
    """The address to offer at checkout: the default one, else the newest, else None."""
    saved = of(user)
    return saved[0] if saved else None


def save(user, name, phone, province_code, ward, address):
    """Keep an address (``ward``: an official Ward) unless the same one is saved; the first becomes the default."""
    for existing in of(user):
        if (existing.ward_code, existing.address.strip().lower()) == (ward.code, address.strip().lower()):
            existing.name, existing.phone = name, phone
            return existing
    saved = SavedAddress(user_id=user.id, name=name, phone=phone, province_code=province_code, ward_code=ward.code,
                         ward=ward.name, address=address.strip(), is_default=not of(user))
    db.session.add(saved)
    db.session.flush()
    return saved


def make_default(user, saved):
    """Make ``saved`` the user's one default address."""
    db.session.execute(update(SavedAddress).where(SavedAddress.user_id == user.id)
                       .values(is_default=SavedAddress.id == saved.id))
    db.session.expire_all()


def remove(user, saved):
    """Forget a saved address; when it was the default, the newest one left becomes the default."""
    was_default = saved.is_default
    db.session.delete(saved)
    db.session.flush()
    left = of(user)
    if was_default and left:
        make_default(user, left[0])


def forget_all(user):
    """Erase every saved address of ``user`` (account deletion)."""
    db.session.execute(SavedAddress.__table__.delete().where(SavedAddress.user_id == user.id))
