"""Public certificate verification (the QR code on a label points here)."""

from flask import Blueprint, render_template

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
