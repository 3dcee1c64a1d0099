"""Public certificate verification (the QR code on a label points here), its QR code and printable labels.

A GS1 Digital Link printed on a package (``/01/<GTIN>[/10/<lot>…][?…]``, also under ``/verify``) lands on the
verification page of its product's current certificate: the one valid today, else the latest.
"""

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from marketplace.core.clock import today
from marketplace.core.pagecache import cached_page
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.reference.lookup import provinces
from marketplace.registry import gtin as gtins
from marketplace.registry import qr
from marketplace.registry.codes import normalize_code
from marketplace.registry.models import Certificate
from marketplace.registry.rules import certificate_status, explaining_certificate
from marketplace.registry.services import find_by_code
from marketplace.web.storefront.blueprint import bp

#: Printable label formats: an A6 shelf card and a 58 mm receipt-printer strip.
LABEL_FORMATS = ("a6", "58mm")
#: QR images never change for a code: browsers and proxies may keep them for a day.
QR_CACHE_CONTROL = "public, max-age=86400"


@bp.get("/verify/<code>")
@cached_page
def verify(code):
    """Show a certificate's status today; an unknown code says so and reveals nothing else."""
    certificate = find_by_code(code)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, code=code), 404
    return render_template("certificates/verify.html", **_facts(certificate))


@bp.get("/verify/01/<path:rest>")
@bp.get("/01/<path:rest>")  # registered first: the address links are built on
def digital_link(rest):
    """A GS1 Digital Link: the verification page of the current certificate of the product with that GTIN.

    A GTIN that is not one (a wrong check digit, letters) is a 400 saying why; a valid GTIN no product has, a 404.
    """
    query = request.query_string.decode("utf-8", "replace")
    try:
        link = gtins.read_digital_link(current_app.config["PUBLIC_URL"], f"/01/{rest}", query)
    except gtins.GtinError as error:
        return render_template("certificates/verify.html", certificate=None, problem=error.message), 400
    certificate = _current_certificate(gtins.find_product(link.gtin))
    if certificate is None:
        shown, issuer = gtins.shown(link.gtin), gtins.issuer(link.gtin)
        return render_template("certificates/verify.html", certificate=None, unknown_gtin=shown,
                               gtin_issuer=issuer), 404
    return render_template("certificates/verify.html", scanned=link, **_facts(certificate))


def _current_certificate(product):
    """The product's certificate valid today, else its latest (loaded with product and entity); None without one."""
    if product is None:
        return None
    found = explaining_certificate(db.session.scalars(
        select(Certificate).where(Certificate.product_id == product.id)).all(), today())
    return find_by_code(found.code) if found is not None else None


@bp.get("/verify")
def lookup():
    """Without a code, a form to type one (from a label); with one, its verification page."""
    code = normalize_code(request.args.get("code", ""))
    if not code:
        return render_template("certificates/lookup.html")
    return redirect(url_for("storefront.verify", code=code))


@bp.get("/verify/<code>/qr.svg")
def qr_svg(code):
    """The QR code of a certificate's verification page, as SVG; an unknown code is a plain 404."""
    certificate = _certificate_or_404(code)
    return _qr_response(qr.qr_svg(qr.verification_url(certificate.code)), "image/svg+xml")


@bp.get("/verify/<code>/qr.png")
def qr_png(code):
    """The QR code of a certificate's verification page, as PNG; an unknown code is a plain 404."""
    certificate = _certificate_or_404(code)
    return _qr_response(qr.qr_png(qr.verification_url(certificate.code)), "image/png")


@bp.get("/verify/<code>/label")
def label(code):
    """A printable label (``?format=a6`` shelf card or ``58mm`` receipt strip) showing today's status."""
    certificate = _certificate_or_404(code)
    label_format = request.args.get("format", "a6")
    if label_format not in LABEL_FORMATS:
        abort(404)
    return render_template("certificates/label.html", label_format=label_format,
                           verification_url=qr.verification_url(certificate.code), **_facts(certificate))


def _certificate_or_404(code):
    certificate = find_by_code(code)
    if certificate is None:
        abort(404)
    return certificate


def _facts(certificate):
    product = certificate.product
    return {"certificate": certificate, "product": product, "entity": product.entity,
            "status": certificate_status(certificate, today()), "province": provinces()[product.province_code],
            "stamp": stamp(certificate, product)}


def stamp(certificate, product):
    """What the product's QR stamps encode: the verification URL, the GS1 Digital Link and GTIN, the code."""
    data = {"verification_url": qr.verification_url(certificate.code), "code": certificate.code,
            "digital_link": None, "gtin": None, "gtin_issuer": None, "vietnamese": False}
    if product.gtin:
        data.update(digital_link=external_url("storefront.digital_link", rest=product.gtin),
                    gtin=gtins.shown(product.gtin), gtin_issuer=gtins.issuer(product.gtin),
                    vietnamese=gtins.is_vietnamese(product.gtin))
    return data


def _qr_response(body, mimetype):
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = QR_CACHE_CONTROL
    return response
