"""Pages for machines and re-users: ``/sitemap.xml``, ``/robots.txt``, ``/open-data`` and its downloads.

Every absolute URL comes from PUBLIC_URL (``core/security.external_url``), never from the request's Host. The
sitemap lists what the storefront lists (``listed_products(today)``: published, certificate valid today) and the
entity and province pages that show them; past ``SITEMAP_MAX_URLS`` (50,000, the protocol's limit) it becomes a
sitemap index of ``/sitemap-<n>.xml`` files.
"""

import logging
from datetime import UTC
from xml.sax.saxutils import escape

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func

from marketplace.core import jobs
from marketplace.core.clock import TIMEZONE, today
from marketplace.core.s3_client import S3Error
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.jobs.scheduled import write_open_data
from marketplace.reference.lookup import provinces
from marketplace.registry import opendata
from marketplace.registry.models import Certificate, Entity, Product
from marketplace.registry.queries import STATUSES
from marketplace.shop.catalog.models import Listing
from marketplace.shop.catalog.rules import listed_products
from marketplace.web.storefront.blueprint import bp

log = logging.getLogger(__name__)

SITEMAP_MAX_URLS = 50_000  #: the sitemap protocol's limit per file
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Areas search engines have no business in (signed-in work screens, basket, checkout, the API).
DISALLOWED = ("/account", "/vendor", "/officer", "/admin", "/showroom", "/cart", "/checkout", "/orders", "/api/")
#: The API's open data, allowed though under /api/ (listed first: some robots take the first matching line).
OPEN_API = ("/api/v1/certificates", "/api/v1/openapi.json")
DOWNLOADS = (opendata.CSV_NAME, opendata.JSON_NAME, opendata.METADATA_NAME)
CACHE_SECONDS = 3600


def _lastmod(*moments):
    """The latest of ``moments`` as a W3C date in Vietnam (SQLite gives back naive UTC datetimes)."""
    latest = max(moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in moments if moment is not None)
    return latest.astimezone(TIMEZONE).date().isoformat()


def sitemap_urls(day):
    """``[(absolute URL, lastmod)]``: listed products, then the entity and province pages that show them."""
    rows = db.session.execute(listed_products(day).with_only_columns(
        Product.slug, Product.province_code, Entity.slug, Product.updated_at, Listing.updated_at,
        Certificate.updated_at).join(Entity, Entity.id == Product.entity_id).order_by(Product.id)).all()
    products, entities, places = [], {}, {}
    for slug, province_code, entity_slug, *moments in rows:
        changed = _lastmod(*moments)
        products.append((external_url("storefront.product", slug=slug), changed))
        entities[entity_slug] = max(entities.get(entity_slug, changed), changed)
        places[province_code] = max(places.get(province_code, changed), changed)
    return [*products,
            *((external_url("storefront.entity", slug=slug), changed) for slug, changed in sorted(entities.items())),
            *((external_url("storefront.province", slug=provinces()[code].slug), changed)
              for code, changed in sorted(places.items()))]


def _xml(body):
    response = Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


def _urlset(urls):
    entries = "".join(f"<url><loc>{escape(url)}</loc><lastmod>{changed}</lastmod></url>\n" for url, changed in urls)
    return _xml(f'<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n')


def _chunks(urls):
    size = int(current_app.config.get("SITEMAP_MAX_URLS") or SITEMAP_MAX_URLS)
    return [urls[start:start + size] for start in range(0, len(urls), size)] or [[]]


@bp.get("/sitemap.xml")
def sitemap():
    """The sitemap of listed products and their entity and province pages; an index of parts when too many."""
    chunks = _chunks(sitemap_urls(today()))
    if len(chunks) == 1:
        return _urlset(chunks[0])
    entries = "".join(
        f"<sitemap><loc>{escape(external_url('storefront.sitemap_part', number=number))}</loc>"
        f"<lastmod>{max(changed for _url, changed in chunk)}</lastmod></sitemap>\n"
        for number, chunk in enumerate(chunks, start=1))
    return _xml(f'<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n')


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number):
    """Part ``number`` (from 1) of a sitemap too large for one file; 404 past the last."""
    chunks = _chunks(sitemap_urls(today()))
    if len(chunks) == 1 or not 1 <= number <= len(chunks):
        abort(404)
    return _urlset(chunks[number - 1])


@bp.get("/robots.txt")
def robots():
    """Crawl the storefront and the open data; keep out of accounts, back offices, basket, checkout and the API."""
    lines = ["User-agent: *", *(f"Allow: {path}" for path in OPEN_API), *(f"Disallow: {path}" for path in DISALLOWED),
             "Allow: /", "", f"Sitemap: {external_url('storefront.sitemap')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


@bp.get("/open-data")
def open_data():
    """What the certificate dataset holds, its licence, and where to get it (downloads and the API)."""
    try:
        stored = opendata.stored_metadata()
    except S3Error:
        log.exception("open-data metadata could not be read")
        stored = None
    return render_template("opendata/index.html", stored=stored, columns=opendata.COLUMNS,
                           licence=opendata.LICENCE, statuses=STATUSES, total=_certificate_count())


def _certificate_count():
    return db.session.scalar(func.count(Certificate.id).select())


@bp.get("/open-data/<name>")
def open_data_file(name):
    """A download, from storage; written now when missing and jobs run in this process, else on its way (503)."""
    if name not in DOWNLOADS:
        abort(404)
    try:
        data = opendata.STORE.read(name)
        if data is None and not jobs.queued():
            write_open_data()
            data = opendata.STORE.read(name)
        elif data is None:
            jobs.defer("opendata.export")
            db.session.commit()
    except S3Error:
        log.exception("open-data file %s could not be read or written", name)
        data = None
    if data is None:
        response = Response(_("The download is being prepared. Please try again in a few minutes."), status=503,
                            mimetype="text/plain")
        response.headers["Retry-After"] = "120"
        return response
    return _download(name, data)


def _download(name, data):
    response = Response(data, mimetype=opendata.CONTENT_TYPES[name].split(";")[0])
    response.headers["Content-Type"] = opendata.CONTENT_TYPES[name]
    response.headers["Link"] = (f'<{opendata.LICENCE["url"]}>; rel="license", '
                                f'<{external_url("storefront.open_data_file", name=opendata.METADATA_NAME)}>; '
                                'rel="describedby"; type="application/csvm+json"')
    response.headers["Access-Control-Allow-Origin"] = "*"
    if name == opendata.CSV_NAME:
        response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response
