"""Flask-Login wiring (users from the session, unauthenticated answers) and failed sign-ins per account.

Failed sign-ins are limited twice: per address by the sign-in view's Flask-Limiter limit, and per account here
(``RATELIMIT_LOGIN_ACCOUNT``, 10 per 15 minutes), so an attacker rotating addresses is stopped too. The counters
live in the limiter's storage (Redis in production, shared by every worker) under a hash of the normalised
address, for every address typed, whether an account has it or not, so a locked form reveals nothing.
"""

import math
import time

from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.accounts.tokens import token_hash
from marketplace.core.errors import problem_response, wants_json
from marketplace.extensions import db, limiter

FAILURES, LINK_MAILS = "login-account-failures", "login-link-mails"
#: The signed-in user is read with their vendor membership in one statement (every request reads them).
_WITH_MEMBERSHIP = [joinedload(User.membership)]


def load_user(identity):
    """The user for a session identity ``"<id>:<session version>"``; stale versions are signed out."""
    user_id, _, version = (identity or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id), options=_WITH_MEMBERSHIP)
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def unauthorized():
    """401 problem+json for the API; a redirect to sign in (back to this page afterwards) for pages."""
    if wants_json():
        return problem_response(401, "Unauthorized", "sign in first")
    return redirect(url_for("account.login", next=request.full_path.rstrip("?")))


def register(login_manager):
    """Configure the login manager."""
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"


# -- Failed sign-ins per account ---------------------------------------------------------------------------------

def _account(email):
    """The counters' key for an address: a hash of it, normalised (the storage holds no address)."""
    return token_hash((email or "").strip().lower())


def _limit(setting):
    return parse(current_app.config[setting])


def _counters():
    """The limiter's strategy over its storage, or None when rate limiting is off (RATELIMIT_ENABLED)."""
    return limiter.limiter if limiter.enabled else None


def sign_in_locked(email):
    """True when ``email`` has used up its failed sign-ins: its password is then not even checked."""
    counters = _counters()
    return counters is not None and not counters.test(_limit("RATELIMIT_LOGIN_ACCOUNT"), FAILURES, _account(email))


def seconds_until_unlocked(email):
    """Seconds until the account's window of failed sign-ins ends (for Retry-After)."""
    stats = _counters().get_window_stats(_limit("RATELIMIT_LOGIN_ACCOUNT"), FAILURES, _account(email))
    return max(1, math.ceil(stats.reset_time - time.time()))


def count_failed_sign_in(email):
    """Count one failed sign-in against the account."""
    if (counters := _counters()) is not None:
        counters.hit(_limit("RATELIMIT_LOGIN_ACCOUNT"), FAILURES, _account(email))


def forget_failed_sign_ins(email):
    """The account's owner has signed in: start counting afresh."""
    if (counters := _counters()) is not None:
        counters.clear(_limit("RATELIMIT_LOGIN_ACCOUNT"), FAILURES, _account(email))


def may_mail_sign_in_link(email):
    """True (and counted) when another sign-in link may be mailed to ``email`` now (``RATELIMIT_LOGIN_LINK_MAIL``).

    Beyond it nothing is sent: the links already in the mailbox still work, so asking again on someone's behalf
    can neither flood their mailbox nor keep them out.
    """
    counters = _counters()
    return counters is None or counters.hit(_limit("RATELIMIT_LOGIN_LINK_MAIL"), LINK_MAILS, _account(email))
