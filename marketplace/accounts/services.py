"""Account operations. Services flush; the view or command commits once."""

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts import addresses, consent, tokens
from marketplace.accounts import login as sign_in_guard
from marketplace.accounts.models import ROLES, User, VendorMembership
from marketplace.accounts.passwords import check_password, hash_password, password_problem
from marketplace.core import audit, mail
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import Refused
from marketplace.core.security import external_url
from marketplace.extensions import db

PASSWORD_MESSAGES = {
    "too_short": lambda: _("Use at least 10 characters."),
    "too_common": lambda: _("This password is too common or too easy to guess; choose another."),
}


def now():
    """Current UTC time (timestamps)."""
    return datetime.now(UTC)


def normalize_email(email):
    """E-mail addresses are compared lower-case without surrounding spaces."""
    return (email or "").strip().lower()


def find_user(email):
    """The user with ``email``, or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_new_password(password, email):
    """Raise Refused with a translated message when ``password`` is not acceptable."""
    problem = password_problem(password, email)
    if problem:
        raise Refused(PASSWORD_MESSAGES[problem]())


def create_user(email, password, role="customer", name=None, locale="vi", verified=False, **scope):
    """Create an account (no e-mail sent); raise Refused when the address is taken or the password weak."""
    email = normalize_email(email)
    if role not in ROLES:
        raise Refused(_("Unknown role."))
    if find_user(email) is not None:
        raise Refused(_("An account with this e-mail address already exists."))
    check_new_password(password, email)
    user = User(email=email, password_hash=hash_password(password), role=role, name=name, preferred_locale=locale,
                email_verified_at=now() if verified else None, **scope)
    db.session.add(user)
    db.session.flush()
    return user


def send_to_address(email, locale, subject, body):
    """Send an e-mail written in ``locale`` (``subject``/``body`` are callables run in that locale)."""
    with force_locale(locale):
        return mail.send(email, subject(), body())


def send_in_locale(user, subject, body):
    """Send an e-mail to ``user`` in their preferred language."""
    return send_to_address(user.email, user.preferred_locale, subject, body)


def send_verification(user):
    """E-mail the address-verification link."""
    link = external_url("account.verify_email", token=tokens.make_verify_token(user))
    send_in_locale(user, lambda: _("Confirm your e-mail address"),
                   lambda: _("Open this link to confirm your e-mail address for OCOP Market:\n\n%(link)s\n\n"
                             "The link is valid for 3 days.", link=link))


def register(email, password, name, locale):
    """Customer self-registration: create the account and send the verification e-mail.

    When the address is already registered nothing is created and that account's owner is told by e-mail,
    so the form never reveals which addresses have accounts.
    """
    existing = find_user(email)
    if existing is not None:
        check_new_password(password, normalize_email(email))
        send_in_locale(existing, lambda: _("Someone tried to register with your e-mail address"),
                       lambda: _("Your address already has an OCOP Market account. If this was you, sign in or "
                                 "reset your password. If not, you can ignore this message."))
        return None
    user = create_user(email, password, name=name, locale=locale)
    audit.record(user.email, "account.registered", user)
    send_verification(user)
    return user


def verify_email(token):
    """Mark the address in a verification token as verified; return the user or None."""
    payload = tokens.read_token(token, tokens.VERIFY_SALT, tokens.VERIFY_MAX_AGE)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.email != payload["email"]:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = now()
        audit.record(user.email, "account.email_verified", user)
    return user


class SignInLocked(Refused):
    """Too many failed sign-ins for this e-mail address: no password is checked for ``retry_after`` seconds."""

    def __init__(self, retry_after):
        super().__init__(_("Too many failed sign-ins for this account. Signing in with the password is paused for "
                           "a while; we can e-mail a single-use sign-in link to the account instead."))
        self.retry_after = retry_after


def authenticate(email, password):
    """The active user with this e-mail and password, or None (the same answer whatever went wrong).

    Failures are also counted per account, whatever address they come from (``accounts/login.py``). Past the
    account's limit this raises :class:`SignInLocked` without checking the password, for every address, so an
    attacker rotating addresses gets no more guesses, and a right guess gets nothing either. The real owner is
    never locked out: a single-use sign-in link mailed to the account (:func:`request_sign_in_link`) still signs
    them in, and only the mailbox's owner can read it. Addresses without an account lock the same way.
    """
    if sign_in_guard.sign_in_locked(email):
        audit.record("anonymous", "auth.login_locked", None, after={"email": normalize_email(email)[:254]})
        raise SignInLocked(sign_in_guard.seconds_until_unlocked(email))
    user = find_user(email)
    if not check_password(user, password) or user is None or not user.is_active:
        sign_in_guard.count_failed_sign_in(email)
        audit.record("anonymous", "auth.login_failed", user, after={"email": normalize_email(email)[:254]})
        return None
    record_sign_in(user, "auth.login")
    return user


def record_sign_in(user, action):
    """Record a sign-in (which voids sign-in links sent before it) and forget the account's failures."""
    user.last_login_at = now()
    sign_in_guard.forget_failed_sign_ins(user.email)
    audit.record(user.email, action, user)


def request_sign_in_link(email):
    """E-mail a single-use sign-in link (15 minutes) when the account exists; say nothing either way.

    At most one link per account per ``RATELIMIT_LOGIN_LINK_MAIL`` window is sent; earlier links keep working
    until one of them, or a password, signs the account in.
    """
    user = find_user(email)
    if user is None or not user.is_active or not sign_in_guard.may_mail_sign_in_link(user.email):
        return
    link = external_url("account.sign_in_with_link", token=tokens.make_sign_in_token(user))
    send_in_locale(user, lambda: _("Your sign-in link for OCOP Market"),
                   lambda: _("Open this link to sign in to OCOP Market:\n\n%(link)s\n\n"
                             "The link works once and expires in 15 minutes. If you did not ask for it, ignore "
                             "this message: your account stays safe.", link=link))
    audit.record(user.email, "auth.login_link_requested", user)


def user_for_sign_in_token(token):
    """The user an unused, unexpired sign-in token belongs to, or None."""
    payload = tokens.read_token(token, tokens.SIGN_IN_SALT, tokens.SIGN_IN_MAX_AGE)
    user = db.session.get(User, payload["uid"]) if payload else None
    if (user is None or not user.is_active or user.session_version != payload["v"]
            or tokens.last_sign_in(user) != payload["at"]):
        return None
    return user


def sign_in_with_link(token):
    """Use a sign-in token once (the link also proves the address); return the user, or None when invalid."""
    user = user_for_sign_in_token(token)
    if user is None:
        return None
    record_sign_in(user, "auth.login_link")
    if user.email_verified_at is None:
        user.email_verified_at = now()
    return user


def sign_out(user):
    """End every session of ``user`` on the server, not only this browser's cookies.

    The session and remember-me cookies are signed, not stored: deleting them here leaves any copy (captured,
    cached) valid. Moving ``session_version`` on makes every identity issued before refuse to load
    (``login.load_user``). So signing out also signs the user out on their other devices, and voids reset and
    sign-in links not yet used: that is what "sign out" should mean, and it needs no table of sessions.
    """
    user.session_version += 1
    audit.record(user.email, "auth.logout", user)


def request_password_reset(email):
    """E-mail a reset link when the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = external_url("account.reset_password", token=tokens.make_reset_token(user))
    send_in_locale(user, lambda: _("Reset your password"),
                   lambda: _("Open this link to choose a new password for OCOP Market:\n\n%(link)s\n\n"
                             "The link works once and expires in one hour. If you did not ask for it, ignore "
                             "this message.", link=link))
    audit.record(user.email, "auth.password_reset_requested", user)


def user_for_reset_token(token):
    """The user a valid, unused, unexpired reset token belongs to, or None."""
    payload = tokens.read_token(token, tokens.RESET_SALT, tokens.RESET_MAX_AGE)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.session_version != payload["v"] or not user.is_active:
        return None
    return user


def set_password(user, password, action):
    """Set a new password, end every other session and void outstanding reset links."""
    check_new_password(password, user.email)
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record(user.email, action, user)


def reset_password(token, password):
    """Use a reset token once; return the user, or None when the token is invalid."""
    user = user_for_reset_token(token)
    if user is None:
        return None
    set_password(user, password, "auth.password_reset")
    if user.email_verified_at is None:
        user.email_verified_at = now()  # the reset link proved the address
    return user


def change_password(user, current, new):
    """Change the password after checking the current one."""
    if not check_password(user, current):
        raise Refused(_("The current password is not correct."))
    set_password(user, new, "auth.password_changed")


def update_profile(user, name, locale):
    """Change the display name and preferred language."""
    before = {"name": user.name, "preferred_locale": user.preferred_locale}
    user.name, user.preferred_locale = name or None, locale
    after = {"name": user.name, "preferred_locale": user.preferred_locale}
    if before != after:
        audit.record(user.email, "account.updated", user, before, after)


def export_data(user):
    """Everything the marketplace holds about ``user``, as JSON-ready data (Decree 13/2023/NĐ-CP)."""
    events = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                                .order_by(AuditEntry.at)).all()
    membership = user.membership
    audit.record(user.email, "account.exported", user)
    account = {"email": user.email, "name": user.name, "role": user.role, "preferred_locale": user.preferred_locale,
               "created_at": user.created_at.isoformat(), "email_verified": user.email_verified_at is not None,
               "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None}
    return {
        "account": account,
        "membership": {"entity_id": membership.entity_id, "role": membership.role} if membership else None,
        "activity": [{"at": e.at.isoformat(), "action": e.action, "address": e.address} for e in events],
        "addresses": [_saved_address(saved) for saved in addresses.of(user)],
        "orders": [],
        **consent.export(user),
    }


def _saved_address(saved):
    """One saved delivery address, as exported."""
    return {"name": saved.name, "phone": saved.phone, "province_code": saved.province_code, "ward": saved.ward,
            "ward_code": saved.ward_code, "address": saved.address, "is_default": saved.is_default}


def delete_account(user, password):
    """Delete a customer's account: personal fields are anonymised, the row stays for order history.

    Saved addresses are erased; the caller also forgets what layers above keep (wishlist, recently viewed).
    """
    if not check_password(user, password):
        raise Refused(_("The password is not correct."))
    if user.membership is not None and user.membership.role == "owner":
        raise Refused(_("You own an OCOP entity's account here; transfer ownership before deleting."))
    if user.membership is not None:
        db.session.delete(user.membership)
    audit.record(user.email, "account.deleted", user)
    consent.withdraw_all(user)
    addresses.forget_all(user)
    user.email = f"deleted-{user.id}@invalid.example"
    user.name = None
    user.password_hash = "!"
    user.active = False
    user.session_version += 1


def expires_in(days):
    """A UTC time ``days`` from now."""
    return now() + timedelta(days=days)


def member_of(user, entity_id, role="staff"):
    """Make ``user`` a vendor member of the entity (their role becomes vendor).

    The user's row is locked first and the membership looked up again, so two memberships started at once for one
    account (two invitations, an approval) end in one and a refusal, never in a duplicate key.
    """
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if db.session.scalar(select(VendorMembership.id).where(VendorMembership.user_id == user.id)) is not None:
        raise Refused(_("This account already belongs to an OCOP entity."))
    if user.role not in ("customer", "vendor"):
        raise Refused(_("Only customer accounts can join an OCOP entity."))
    membership = VendorMembership(user_id=user.id, entity_id=entity_id, role=role)
    db.session.add(membership)
    user.role = "vendor"
    db.session.flush()
    return membership
