"""Flask-Login wiring: loading users from the session and answering unauthenticated requests."""

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.core.errors import problem_response, wants_json
from marketplace.extensions import db


def load_user(identity):
    """The user for a session identity ``"<id>:<session version>"``; stale versions are signed out."""
    user_id, _, version = (identity or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
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
