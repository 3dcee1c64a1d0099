"""The visitor's own bits of a cached page: sign-in state, basket count and the CSRF token of its forms.

Pages served from the page cache (core/pagecache.py) are the same for every anonymous visitor; their script
(static/js/session-bits.js) asks ``GET /session/bits`` for what differs per visitor and fills it in. This
endpoint is never cached, and creates the visitor's CSRF secret (in their session) when they have none yet.
"""

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from marketplace.web.storefront.blueprint import bp
from marketplace.web.storefront.site import basket_count


@bp.get("/session/bits")
def session_bits():
    """JSON ``{signed_in, name, cart_count, cart_label, account_url, account_label, csrf_token}``, never stored."""
    count = int(basket_count() or 0)
    signed_in = bool(current_user.is_authenticated)
    response = jsonify(
        signed_in=signed_in,
        name=current_user.name if signed_in else None,
        cart_count=count,
        cart_label=ngettext("(%(num)d item)", "(%(num)d items)", count) if count else "",
        account_url=url_for("account.profile") if signed_in else None,
        account_label=_("My account") if signed_in else None,
        csrf_token=generate_csrf(),
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response
