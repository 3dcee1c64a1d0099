"""QR codes that point to a certificate's public verification page (segno, pure Python)."""

import io

import segno

from marketplace.core.security import external_url

DARK, LIGHT, BORDER = "#000", "#fff", 2


def verification_url(code):
    """The absolute URL of the verification page for certificate ``code``, on PUBLIC_URL (never the request's host)."""
    return external_url("storefront.verify", code=code)


def make(url):
    """The QR code for ``url`` (error correction at least M)."""
    return segno.make(url, error="m")


def qr_svg(url):
    """The QR code for ``url`` as a scalable SVG document (viewBox, no XML declaration), as bytes."""
    return _render(url, kind="svg", xmldecl=False, omitsize=True)


def qr_png(url, scale=8):
    """The QR code for ``url`` as a PNG image of ``scale`` pixels per module, as bytes."""
    return _render(url, kind="png", scale=scale)


def _render(url, **options):
    buffer = io.BytesIO()
    make(url).save(buffer, dark=DARK, light=LIGHT, border=BORDER, **options)
    return buffer.getvalue()
