"""Bearer authentication of the vendor API: ``Authorization: Bearer ocop_…``, scoped, rate limited per token.

Only the token authenticates these endpoints: a session cookie sent along is ignored (the request runs as an
anonymous user, so nothing, not even the audit log, takes the cookie's account for the actor), and they are
exempt from CSRF with the rest of the API because a browser never adds the header by itself.
"""

import hashlib
from functools import wraps

from flask import current_app, g, request

from marketplace.accounts import api_tokens
from marketplace.core.errors import problem_response
from marketplace.extensions import db, limiter, login_manager

REALM = 'Bearer realm="ocop-vendor-api"'


def presented_token():
    """The token of the ``Authorization: Bearer`` header, or None."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def token_key():
    """Rate-limit key: a fingerprint of the presented token (the client's address when there is none)."""
    raw = presented_token()
    if raw is None:
        return f"address:{request.remote_addr}"
    return "token:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _unauthorized(detail, error="invalid_token"):
    response = problem_response(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = f'{REALM}, error="{error}"'
    return response


def _forbidden(scope):
    response = problem_response(403, "Forbidden", f"this token does not carry the scope {scope}")
    response.headers["WWW-Authenticate"] = f'{REALM}, error="insufficient_scope", scope="{scope}"'
    return response


#: The vendor API's limit, counted per token across all its endpoints (RATELIMIT_VENDOR_API; Redis when set).
per_token = limiter.shared_limit(lambda: current_app.config["RATELIMIT_VENDOR_API"], scope="vendor-api",
                                 key_func=token_key, override_defaults=False)


def token_required(*scopes):
    """The view gets the request's :class:`ApiToken` first; 401 without a valid token, 403 without one of ``scopes``.

    The view's changes (and the token's last use) are committed once, after it returns.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g._login_user = login_manager.anonymous_user()  # noqa: SLF001 - Flask-Login's per-request user: no cookie
            raw = presented_token()
            if raw is None:
                return _unauthorized("send the token as Authorization: Bearer ocop_…", error="invalid_request")
            token = api_tokens.authenticate(raw)
            if token is None:
                return _unauthorized("the token is unknown or was revoked")
            if not any(token.allows(scope) for scope in scopes):
                return _forbidden(" ".join(scopes))
            g.api_token = token
            response = view(token, *args, **kwargs)
            db.session.commit()
            return response

        return wrapped

    return decorator
