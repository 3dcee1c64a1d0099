"""A customer's saved delivery addresses: at most one default, offered first at checkout (flush only)."""

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.accounts.models import SavedAddress
from marketplace.core.errors import Refused
from marketplace.core.text import name_key
from marketplace.extensions import db

#: How many addresses the account's own form lets a buyer keep (checkout's "save this address" does not check it).
MAX_SAVED = 20


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


def same_place(saved, ward, address):
    """True when ``saved`` is in ``ward`` at ``address`` (case and spacing ignored, diacritics kept)."""
    return (saved.ward_code, _street_key(saved.address)) == (ward.code, _street_key(address))


def _street_key(address):
    """The street address as compared: NFC, case-folded, single spaces."""
    return name_key(" ".join(address.split()))


def save(user, name, phone, province_code, ward, address):
    """Keep an address (``ward``: an official Ward) unless the same one is saved; the first becomes the default."""
    for existing in of(user):
        if same_place(existing, ward, address):
            existing.name, existing.phone = name, phone
            return existing
    saved = SavedAddress(user_id=user.id, name=name, phone=phone, province_code=province_code, ward_code=ward.code,
                         ward=ward.name, address=address.strip(), is_default=not of(user))
    db.session.add(saved)
    db.session.flush()
    return saved


def add(user, name, phone, province_code, ward, address, default=False):
    """Keep an address typed in the account (the same place again updates it); Refused beyond ``MAX_SAVED``."""
    saved = of(user)
    if len(saved) >= MAX_SAVED and not any(same_place(item, ward, address) for item in saved):
        raise Refused(_("You can keep up to %(count)d addresses: remove one you no longer use first.",
                        count=MAX_SAVED))
    added = save(user, name, phone, province_code, ward, address)
    if default:
        make_default(user, added)
    return added


def change(user, saved, name, phone, province_code, ward, address, default=False):
    """Change one of the user's saved addresses; Refused when it would repeat another one they keep."""
    if any(item.id != saved.id and same_place(item, ward, address) for item in of(user)):
        raise Refused(_("You already keep this address."))
    saved.name, saved.phone, saved.province_code = name, phone, province_code
    saved.ward_code, saved.ward, saved.address = ward.code, ward.name, address.strip()
    db.session.flush()
    if default:
        make_default(user, saved)
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
