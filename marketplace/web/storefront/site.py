"""Site-wide routes and helpers: probes, language switch, pictures, basket count, recently viewed products."""

from functools import partial
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    send_from_directory,
    session,
    template_rendered,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from marketplace import search
from marketplace.accounts import services as accounts
from marketplace.core import health, pagecache, pending, storage
from marketplace.core.clock import today
from marketplace.core.i18n import current_locale
from marketplace.core.security import external_url, safe_next
from marketplace.extensions import db
from marketplace.jobs import scheduled
from marketplace.registry.models import Product
from marketplace.reports import sales as stats
from marketplace.shop.cart import wishlist
from marketplace.shop.cart.models import Cart, CartLine
from marketplace.shop.cart.services import SESSION_KEY as CART_SESSION_KEY
from marketplace.shop.catalog import photos as images
from marketplace.shop.catalog.pictures import product_svg
from marketplace.shop.catalog.share_image import listed_facts, share_card, share_png
from marketplace.web.storefront.blueprint import bp


@bp.get("/healthz")
def healthz():
    """Liveness probe (contract §5)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness probe (contract §5): 503 listing what is wrong while the database, search or Redis is not usable."""
    problems = {"database": health.database_problem(), "search": search.health(),
                "redis": health.redis_problem(current_app.config.get("REDIS_URL"))}
    checks = {name: problem or "ok" for name, problem in problems.items()}
    if not current_app.config.get("REDIS_URL"):
        checks["redis"] = "not configured"
    ready = not any(problems.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/lang/<code>")
def set_language(code):
    """Remember the language (session, cookie, and the account once signed in) and go back where they were."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.preferred_locale != code:
        accounts.update_profile(current_user, current_user.name, code)
        db.session.commit()
    return redirect(safe_next(request.args.get("next")) or url_for("storefront.home"))


@bp.get("/media/products/<int:product_id>.svg")
def product_picture(product_id):
    """A generated picture for a product: its initials on its sector's colour (no photos fetched)."""
    query = select(Product.name, Product.criteria_set_code).where(Product.id == product_id)
    product = db.session.execute(query).first()
    if product is None:
        abort(404)
    response = Response(product_svg(product.name, product.criteria_set_code), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


#: How long browsers and proxies keep a share picture; its URL carries its fingerprint, and the ETag revalidates it.
SHARE_PICTURE_MAX_AGE = 7 * 86400


@bp.get("/media/products/<int:product_id>.png")
def product_share_picture(product_id):
    """The 1200 × 630 PNG that previews a listed product without photos on Zalo and Facebook (404 when not listed)."""
    facts = listed_facts(product_id, today())
    if facts is None:
        abort(404)
    card = _share_card(*facts)
    response = Response(share_png(card), mimetype="image/png")
    response.set_etag(card.fingerprint)
    response.cache_control.public = True
    response.cache_control.max_age = SHARE_PICTURE_MAX_AGE
    return response.make_conditional(request)


@bp.app_template_global()
def share_picture_url(detail):
    """The absolute, versioned address of a product page's generated share picture (for ``og:image``)."""
    product = detail.product
    card = _share_card(product.name, detail.certificate.stars, product.province_code, product.criteria_set_code)
    return external_url("storefront.product_share_picture", product_id=product.id, v=card.fingerprint)


def _share_card(name, stars, province_code, criteria_set_code):
    """The share picture's card, its labels in the default language (one picture per product for everyone)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        mark, site = _("OCOP %(stars)d stars", stars=stars), _("OCOP Market")
    return share_card(name, stars, province_code, criteria_set_code, mark, site)


#: How long a browser may keep the redirect to a photo in the bucket (presigned URLs live longer than this).
PHOTO_REDIRECT_SECONDS = 3600


@bp.get("/media/listings/<path:filename>")
def listing_photo(filename):
    """A stored listing photo or thumbnail (random names, never rewritten: cached for a year).

    With photos in the bucket, pages link to the bucket itself; this address (shared links, OpenGraph images)
    redirects there.
    """
    return serve_photo(images.STORE, filename)


def serve_photo(store, filename):
    """A stored photo of ``store``: a redirect to the bucket, or the local file cached for a year (never rewritten)."""
    if not images.FILENAME.fullmatch(filename):
        abort(404)
    stored = store.url(filename)
    if stored is not None:
        response = redirect(stored)
        response.cache_control.public = True
        response.cache_control.max_age = PHOTO_REDIRECT_SECONDS
        return response
    response = send_from_directory(store.folder(), filename, mimetype=images.CONTENT_TYPE,
                                   max_age=storage.CACHE_SECONDS)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.app_template_global()
def photo_url(filename):
    """Where a page links a listing photo: the bucket's URL, or this app's media route for local files."""
    return images.stored_url(filename) or _path("storefront.listing_photo", "filename", filename)


def _route_parts(endpoint, name, marker="0"):
    """``url_for(endpoint, name=…)`` around the value, built once per script root: cards link many of them cheaply.

    For values that need no escaping beyond ``quote`` (slugs, ids, stored photo names).
    """
    parts = current_app.extensions.setdefault("route_parts", {})
    key = (endpoint, request.script_root)
    if key not in parts:
        head, _, tail = url_for(endpoint, **{name: marker}).rpartition(str(marker))
        parts[key] = head, tail
    return parts[key]


def _path(endpoint, name, value, marker="0"):
    head, tail = _route_parts(endpoint, name, marker)
    return f"{head}{quote(str(value))}{tail}"


@bp.app_template_global()
def card_path(slug):
    """A product page's path (``/p/<slug>``), as ``url_for`` writes it."""
    return _path("storefront.product", "slug", slug)


@bp.app_template_global()
def province_path(slug):
    """A province's page path (``/province/<slug>``), as ``url_for`` writes it (the home page links all 34)."""
    return _path("storefront.province", "slug", slug)


@bp.app_template_global()
def picture_path(product_id):
    """The path of a product's generated picture (``/media/products/<id>.svg``), as ``url_for`` writes it."""
    return _path("storefront.product_picture", "product_id", int(product_id), marker=7)


@bp.app_template_global()
def card_strings():
    """What every card of a grid shares, translated once per language: star labels, "Out of stock", the locale."""
    strings = current_app.extensions.setdefault("card_strings", {})
    locale = current_locale()
    if locale not in strings:
        strings[locale] = {"stars": {count: ngettext("%(num)d star", "%(num)d stars", count) for count in range(6)},
                           "sold_out": _("Out of stock"), "locale": locale}
    return strings[locale]


#: Where the header counts the basket: the shop and the buyer's account (the basket and checkout pages show the
#: basket itself; the vendors', officers' and showroom pages are work screens).
BASKET_COUNT_AREAS = ("storefront", "account")


_BASKET_UNITS = select(func.coalesce(func.sum(CartLine.quantity), 0)).join(Cart, Cart.id == CartLine.cart_id)
#: The header's basket count, built once (it is asked on every storefront page; the values are parameters).
_BASKET_UNITS_OF_USER = _BASKET_UNITS.where(Cart.user_id == bindparam("user_id"))
_BASKET_UNITS_OF_TOKEN = _BASKET_UNITS.where(Cart.token == bindparam("token"))


@bp.app_template_global()
def basket_count():
    """Units in the visitor's basket for the header: one small query, none for a visitor without a basket."""
    if request.blueprint not in BASKET_COUNT_AREAS:
        return 0
    if current_user.is_authenticated:
        return db.session.scalar(_BASKET_UNITS_OF_USER, {"user_id": current_user.id})
    token = session.get(CART_SESSION_KEY)
    return db.session.scalar(_BASKET_UNITS_OF_TOKEN, {"token": token}) if token else 0


@bp.app_template_global()
def public_url(endpoint, **values):
    """An absolute link on the site's own address (PUBLIC_URL), for share links and OpenGraph tags."""
    return external_url(endpoint, **values)


@bp.app_template_global()
def in_wishlist(product_id):
    """True when the signed-in buyer keeps ``product_id`` on their wishlist (the heart on the product page)."""
    return wishlist.is_wished(current_user, product_id)


def _note_product_page(sender, template, context, **extra):
    """Remember which product a product page showed, for "recently viewed" (written after the response)."""
    if template.name == "shop/product.html" and "d" in context:
        pagecache.note("viewed_product_id", context["d"].product.id)  # replayed when the page comes from the cache


template_rendered.connect(_note_product_page)


def count_anonymous_view(product_id, user_agent, day, app=None):
    """Count a visitor's view of a product on ``day`` (core/pending; bots are skipped): the writes waiting, or 0."""
    if stats.is_bot(user_agent):
        return 0
    return stats.note_view(product_id, day, app=app)


def _fast_product_hit(app, product_id, user_agent):
    """The page cache's fast path served a product page (outside an app context): count it; a flush to run, or None."""
    waiting = count_anonymous_view(product_id, user_agent, today(), app)
    return partial(_flush_views, app) if pending.is_due(waiting, app) else None


@bp.record_once
def _count_fast_hits(state):
    """Let core/pagecache's fast path serve product pages, counting their views (it must not import this)."""
    pagecache.on_fast_hit(state.app, "viewed_product_id", partial(_fast_product_hit, state.app))


@bp.after_request
def remember_viewed_product(response):
    """Count the product page just shown and, for a signed-in buyer, add it to "recently viewed" (core/pending).

    A visitor's "recently viewed" is kept by their browser (static/js/session-bits.js): nothing goes into their
    session, so the page stays the same for everyone. Bots are skipped. When enough writes wait, they are flushed
    in a short transaction of their own once the response has been sent (a job or cron flushes the rest every
    minute: ``jobs/scheduled.flush_views``).
    """
    product_id = g.pop("viewed_product_id", None)
    user_agent = request.headers.get("User-Agent")
    if (product_id is None or request.method != "GET" or response.status_code != 200
            or stats.is_bot(user_agent)):
        return response
    waiting = [count_anonymous_view(product_id, user_agent, today())]
    if current_user.is_authenticated:
        waiting.append(wishlist.note_view(current_user, session, product_id))
    if any(pending.is_due(number) for number in waiting):
        response.call_on_close(partial(_flush_views, current_app._get_current_object()))
    return response


def _flush_views(app):
    """Write the views waiting, after the response (its own application context, session and transaction)."""
    with app.app_context():
        try:
            scheduled.flush_views()
        except Exception:  # noqa: BLE001 - the page is sent; the next flush writes what was given back
            app.logger.exception("flushing product views failed")
