"""View decorators: sign-in and role checks (rows are scoped separately, see policy.py)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles):
    """Signed-in users of one of ``roles`` only (others get 403; anonymous visitors are sent to sign in)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
