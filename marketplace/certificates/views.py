"""Public certificate verification (the QR code on a label points here)."""

from flask import Blueprint, redirect, render_template, request, url_for

from marketplace.certificates.codes import normalize_code
from marketplace.certificates.rules import certificate_status
from marketplace.certificates.services import find_by_code
from marketplace.core.clock import today
from marketplace.reference.lookup import provinces

bp = Blueprint("certificates", __name__)


@bp.get("/verify/<code>")
def verify(code):
    """Show a certificate's status today; an unknown code says so and reveals nothing else."""
    certificate = find_by_code(code)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None, code=code), 404
    product = certificate.product
    return render_template("certificates/verify.html", certificate=certificate, product=product,
                           entity=product.entity, status=certificate_status(certificate, today()),
                           province=provinces()[product.province_code])


@bp.get("/verify")
def lookup():
    """A typed code (from a label or a form) goes to its verification page."""
    code = normalize_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("shop.home"))
    return redirect(url_for("certificates.verify", code=code))
