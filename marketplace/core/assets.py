"""Static files addressed by their content: ``url_for('static', …)`` adds ``?v=<sha256[:12]>`` of the file.

The fingerprint is computed once per process (on every call while debugging, so edits show). A request that
names the file's current fingerprint is kept for a year (``immutable``); any other a short while, since the same
address may change with the next deploy.
"""

import hashlib
from pathlib import Path

from flask import current_app, request

YEAR = 31536000
SHORT_SECONDS = 300  #: unfingerprinted (or outdated) static addresses
_fingerprints = {}


def fingerprint(filename):
    """The first 12 hex digits of the file's SHA-256, or None when there is no such file."""
    key = (current_app.static_folder, filename)  # looked up before resolving: pages name several files each time
    known = _fingerprints.get(key)
    if known is not None and not current_app.debug:
        return known
    folder = Path(current_app.static_folder)
    path = (folder / filename).resolve()
    if not path.is_file() or folder.resolve() not in path.parents:
        return None
    _fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _fingerprints[key]


def add_fingerprint(endpoint, values):
    """``url_defaults``: static addresses carry the file's fingerprint."""
    if endpoint == "static" and "v" not in values and values.get("filename"):
        version = fingerprint(values["filename"])
        if version:
            values["v"] = version


def cache_static(response):
    """A year's ``immutable`` cache for a fingerprinted static file, a short one otherwise."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    if version and version == fingerprint(filename):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = f"public, max-age={SHORT_SECONDS}"
    return response


def register(app):
    """Fingerprint static addresses and cache them accordingly."""
    app.url_defaults(add_fingerprint)
    app.after_request(cache_static)
