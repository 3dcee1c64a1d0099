"""Storefront pages: home, search/browse, product, entity and province pages."""

from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from marketplace.core import memo
from marketplace.core.clock import today
from marketplace.core.input import NumberError, whole_number
from marketplace.core.pagecache import cached_page
from marketplace.core.replica import replica_reads
from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces, resolve_province, sectors
from marketplace.registry.models import Entity, Product
from marketplace.reviews import queries as product_reviews
from marketplace.search import FilterError, Filters, browse_cards, read_filters
from marketplace.search.browse import MAX_PAGE
from marketplace.shop.catalog.queries import ProductPage, count_listed_by, product_detail
from marketplace.web.storefront.blueprint import bp
from marketplace.web.storefront.seller import certificates_of


def _browse_from_request(**fixed):
    """Parse the request's filters and browse; what cannot be understood is reported (all of it) and ignored."""
    args = request.args.to_dict()
    args.update({key: value for key, value in fixed.items() if value is not None})
    filters, problems = read_filters(args, current_app.config["PER_PAGE"], current_app.config["MAX_PER_PAGE"])
    return browse_cards(filters, today()), FilterError(problems) if problems else None


@bp.get("/")
@cached_page
@replica_reads
def home():
    """Home: 5-star highlights, newest products, browse by province and by sector."""
    return render_template("shop/home.html", **memo.remember("home", _home_sections),
                           provinces=provinces().values(), sectors=sectors())


def _home_sections():
    """The home page's cards and counts: the same for every visitor until the catalogue changes (core/memo)."""
    day = today()
    highlights = browse_cards(Filters(min_stars=5, sort="stars", per_page=8), day, with_facets=False).items
    newest = browse_cards(Filters(per_page=8, in_stock=True), day, with_facets=False).items
    by_province = count_listed_by(day, Product.province_code)
    by_sector = {}
    for code, count in count_listed_by(day, Product.criteria_set_code).items():
        sector = criteria_sets()[code].sector_code
        by_sector[sector] = by_sector.get(sector, 0) + count
    return {"highlights": highlights, "newest": newest, "by_province": by_province, "by_sector": by_sector}


@bp.get("/search")
@cached_page
@replica_reads
def search():
    """Listing with filters, facets, sort and pages (the same parameters as the API)."""
    page, error = _browse_from_request()
    return render_template("shop/search.html", page=page, error=error, sectors=sectors())


@bp.get("/p/<slug>")
@cached_page
def product(slug):
    """A product page; non-listed products keep their page and say why they are not sold."""
    day, loaded = today(), {}

    def facts():
        loaded["detail"] = product_detail(day, slug=slug)
        return None if loaded["detail"] is None else ProductPage.of(loaded["detail"])

    def full():
        """The whole ProductDetail, for the kept blocks that are rendered now (read at most once a request)."""
        if loaded.get("detail") is None:
            loaded["detail"] = product_detail(day, product_id=page.product.id)
        return loaded["detail"]

    page = memo.remember(("product-page", slug), facts)
    if page is None:
        abort(404)
    reviews = product_reviews.for_product_page(page.product.id, page.listing, _reviews_page())
    return render_template("shop/product.html", d=page, full=full, reviews=reviews)  # counted after (site.py)


def _reviews_page():
    """The page of reviews asked for (``?reviews=N``); anything else is the first."""
    try:
        return whole_number(request.args.get("reviews") or "1", 1, MAX_PAGE)
    except NumberError:
        return 1


@bp.get("/e/<slug>")
@cached_page
@replica_reads
def entity(slug):
    """An OCOP entity's page with its listed products."""
    found = db.session.scalar(select(Entity).where(Entity.slug == slug))
    if found is None:
        abort(404)
    page, error = _browse_from_request(entity_id=str(found.id))
    certified = db.session.scalar(select(func.count()).select_from(Product).where(Product.entity_id == found.id))
    return render_template("shop/entity.html", entity=found, page=page, error=error, certified=certified,
                           province=provinces()[found.province_code], certificates=certificates_of(found.id, today()))


@bp.get("/province/<slug>")
@cached_page
@replica_reads
def province(slug):
    """A province's page; a pre-2025 province's address redirects to the unit that absorbed it."""
    found = resolve_province(slug)
    if found is None:
        abort(404)
    if found.slug != slug:
        return redirect(url_for("storefront.province", slug=found.slug, **request.args), code=301)
    page, error = _browse_from_request(province=found.code)
    return render_template("shop/province.html", province=found, page=page, error=error)


@bp.app_template_global()
def url_with(**changes):
    """The current page's URL with some query parameters changed (None removes one); resets the page."""
    args = request.args.to_dict()
    args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_global()
def url_only(*keys, **changes):
    """The current page's URL keeping only the query parameters ``keys`` (plus ``changes``)."""
    args = {key: value for key, value in request.args.items() if key in keys}
    args.update(changes)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_global()
def page_url(number):
    """The current page's URL showing result page ``number``."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args.to_dict(), "page": number})
