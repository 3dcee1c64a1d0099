"""Site-wide routes: liveness and readiness, language switch, generated product pictures, listing photos."""

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    send_from_directory,
    session,
    url_for,
)
from sqlalchemy import select

from marketplace import search
from marketplace.core import health
from marketplace.core.security import safe_next
from marketplace.extensions import db
from marketplace.registry.models import Product
from marketplace.shop.catalog import photos as images
from marketplace.shop.catalog.pictures import product_svg
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
    """Remember the visitor's language and go back where they were."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
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


@bp.get("/media/listings/<path:filename>")
def listing_photo(filename):
    """A stored listing photo or thumbnail (random names, never rewritten: cached for a year)."""
    if not images.FILENAME.fullmatch(filename):
        abort(404)
    response = send_from_directory(images.media_dir(), filename, mimetype="image/webp", max_age=365 * 86400)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
