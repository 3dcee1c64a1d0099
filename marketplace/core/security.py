"""Small security helpers shared by views."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target):
    """Return ``target`` only when it is a local path (no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint, **values):
    """An absolute URL for ``endpoint``, also from commands and jobs (then based on PUBLIC_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)
