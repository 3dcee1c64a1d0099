"""Public certificate verification (the QR code on a label points here), its QR code and printable labels."""

from flask import Response, abort, redirect, render_template, request, url_for

from marketplace.core.clock import today
from marketplace.reference.lookup import provinces
from marketplace.registry import qr
from marketplace.registry.codes import normalize_code
from marketplace.registry.rules import certificate_status
from marketplace.registry.services import find_by_code
from marketplace.web.storefront.blueprint import bp

#: Printable label formats: an A6 shelf card and a 58 mm receipt-printer strip.
LABEL_FORMATS = ("a6", "58mm")
#: QR images never change for a code: browsers and proxies may keep them for a day.
QR_CACHE_CONTROL = "public, max-age=86400"


@bp.get("/verify/<code>")
def verify(code):
    """Show a certificate's status today; an unknown code says so and reveals nothing else."""
    certificate = find_by_code(code)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, code=code), 404
    return render_template("certificates/verify.html", **_facts(certificate))


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
            "status": certificate_status(certificate, today()), "province": provinces()[product.province_code]}


def _qr_response(body, mimetype):
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = QR_CACHE_CONTROL
    return response
