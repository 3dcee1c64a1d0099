"""Small security helpers shared by views."""

from urllib.parse import urlsplit


def safe_next(target):
    """Return ``target`` only when it is a local path (no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
