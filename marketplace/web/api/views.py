"""Public read API ``/api/v1`` (contract §4). Errors are application/problem+json."""

from flask import current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from marketplace import search
from marketplace.core.clock import today
from marketplace.core.errors import ProblemError
from marketplace.core.pagecache import cached_page
from marketplace.core.replica import replica_reads
from marketplace.reference.lookup import classification, provinces
from marketplace.registry.services import find_by_code, find_by_number
from marketplace.search import FilterError, browse_cards, parse_filters
from marketplace.shop.catalog.queries import load_cards, product_detail
from marketplace.web.api.blueprint import bp
from marketplace.web.api.certificates import certificate_list
from marketplace.web.api.serializers import card_json, detail_json, verification_json


@bp.get("/products")
@cached_page
@replica_reads
def products():
    """Listed products with filters, sort, pages and facets."""
    try:
        filters = parse_filters(request.args, current_app.config["PER_PAGE"], current_app.config["MAX_PER_PAGE"])
    except FilterError as error:
        raise ProblemError(400, "Invalid query parameter", str(error)) from error
    page = browse_cards(filters, today())
    extra = {key: value for key, value in (("corrected_query", page.corrected), ("did_you_mean", page.suggestion),
                                           ("approximate", page.approximate)) if value}
    return jsonify(items=[card_json(card) for card in page.items], total=page.total, page=filters.page,
                   per_page=filters.per_page, facets=page.facets, **extra)


@bp.get("/search/suggest")
@cached_page
@replica_reads
def suggest():
    """Autocomplete: listed product names that start like ``q`` (at most 8)."""
    text = (request.args.get("q") or "").strip()[:100]
    day = today()
    cards = load_cards(search.suggest(text, day), day) if text else []
    return jsonify(items=[{"id": c.product.id, "name": c.product.name, "slug": c.product.slug,
                           "url": url_for("storefront.product", slug=c.product.slug)} for c in cards])


@bp.get("/products/<int:product_id>")
@cached_page
def product(product_id):
    """One product, sellable or not, with the reason when not."""
    detail = product_detail(today(), product_id=product_id)
    if detail is None:
        raise ProblemError(404, "Not Found", f"no product {product_id}")
    return jsonify(detail_json(detail))


@bp.get("/certificates/<code>")
@cached_page
def certificate_by_code(code):
    """The verification record of the certificate with public ``code``."""
    certificate = find_by_code(code)
    if certificate is None:
        raise ProblemError(404, "Not Found", "no certificate has this code")
    return jsonify(verification_json(certificate, today()))


@bp.get("/certificates")
@cached_page
def certificate_by_number():
    """The verification record of the certificate with registry ``number``; without ``number``, the dataset."""
    if "number" not in request.args:
        return certificate_list()
    number = request.args.get("number", "").strip()
    if not number:
        raise ProblemError(400, "Missing query parameter", "number is required")
    certificate = find_by_number(number)
    if certificate is None:
        raise ProblemError(404, "Not Found", "no certificate has this number")
    return jsonify(verification_json(certificate, today()))


@bp.get("/me")
@login_required
def me():
    """The signed-in user's account (session authentication)."""
    return jsonify(email=current_user.email, name=current_user.name, role=current_user.role,
                   preferred_locale=current_user.preferred_locale, province_code=current_user.province_code,
                   showroom_id=current_user.showroom_id,
                   entity_id=current_user.membership.entity_id if current_user.membership else None)


@bp.get("/provinces")
@cached_page
def province_list():
    """The 34 current provinces with the pre-2025 names they absorbed."""
    return jsonify(items=[{"code": p.code, "name": p.name, "full_name": p.full_name, "kind": p.kind, "slug": p.slug,
                           "legacy_names": p.legacy_names,
                           "legacy": [{"code": o.code, "name": o.name, "slug": o.slug} for o in p.legacy]}
                          for p in provinces().values()])


@bp.get("/groups")
@cached_page
def groups():
    """Sectors, groups and the 26 criteria sets of Decision 26/2026/QĐ-TTg."""
    return jsonify(source=classification()["source"], sectors=classification()["sectors"])
