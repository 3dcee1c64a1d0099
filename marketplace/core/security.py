"""Small security helpers: local redirects, links from PUBLIC_URL, trusted proxies and hosts."""

from urllib.parse import quote, urlsplit

from flask import Response, current_app, has_request_context, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

#: Characters left as they are in a URL fragment (as ``url_for`` does).
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def safe_next(target):
    """Return ``target`` only when it is a local path (no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint, **values):
    """An absolute URL for ``endpoint`` on the site's own address (``PUBLIC_URL``), never the request's.

    Links that leave the site (mail, QR codes, labels, payment return pages) must not follow the ``Host`` header a
    client sent: with ``Host: evil.example`` a reset mail would carry a valid token to the attacker's site. The URL
    map is bound to PUBLIC_URL's scheme, host and path, so this answers the same inside a request, in commands and
    in jobs, and pushes no request context. ``_anchor`` is honoured; ``.endpoint`` is relative to the request's
    blueprint, as with ``url_for``.
    """
    app = current_app._get_current_object()
    public = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(public.netloc, script_name=public.path.rstrip("/") or "/",
                               url_scheme=public.scheme or "http")
    anchor = values.pop("_anchor", None)
    if endpoint.startswith("."):
        blueprint = request.blueprint if has_request_context() else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else url


def refuse_untrusted_host(error):
    """A plain 400 for a ``Host`` outside TRUSTED_HOSTS: nothing is routed, so no page (nor its links) is built."""
    return Response("Bad Request: unknown host\n", status=400, mimetype="text/plain")


def register(app):
    """Trust ``TRUSTED_PROXIES`` proxies' X-Forwarded-For/-Proto/-Host, and refuse unknown hosts plainly.

    With ``TRUSTED_PROXIES = n > 0`` werkzeug's ProxyFix makes ``request.remote_addr`` (rate limits, audit) the
    client the n-th proxy from here names, and ``request.host`` the host it was asked for (checked against
    TRUSTED_HOSTS). With 0 (the default) those headers are ignored: anyone can write them.
    """
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.register_error_handler(SecurityError, refuse_untrusted_host)
