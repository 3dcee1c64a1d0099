"""Where uploaded files live: a local folder (the default, for one machine) or an S3-compatible bucket.

``MEDIA_STORAGE=local`` keeps each kind of file in a folder of the instance and the app serves it;
``MEDIA_STORAGE=s3`` puts it in ``S3_BUCKET`` under ``<prefix>/<name>`` with ``Cache-Control`` set on the object,
and pages link to the bucket directly (``S3_PUBLIC_URL``, else presigned URLs), so every app server stores and
serves the same photos. Stored names are random and never rewritten, hence the year-long immutable cache.
Only ``s3_client`` talks to the bucket.
"""

import logging
import mimetypes
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import current_app
from flask_babel import gettext as _

from marketplace.core import s3_client
from marketplace.core.errors import Refused

log = logging.getLogger(__name__)

#: Set on every stored object and on the app's own media responses: random names, never rewritten.
CACHE_CONTROL = "public, max-age=31536000, immutable"
CACHE_SECONDS = 31536000  #: a year, the same as CACHE_CONTROL
#: Presigned URLs are reused for half their life, so pages keep linking the same URL and browsers hit their cache.
REMEMBERED_URLS = 20_000

_urls = {}  #: (endpoint, bucket, key) -> (presigned URL, monotonic time after which a new one is signed)
_urls_lock = threading.Lock()
_origins = {}  #: bucket settings -> the origin of its URLs


class StorageUnavailable(Refused):
    """The bucket could not take a file (unreachable, refused): the upload is refused, nothing is kept."""

    def __init__(self):
        super().__init__(_("Photos cannot be stored right now. Please try again in a few minutes."))


def uses_bucket():
    """True when files go to the S3 bucket (``MEDIA_STORAGE=s3``)."""
    return current_app.config.get("MEDIA_STORAGE") == "s3"


@dataclass(frozen=True)
class Store:
    """One kind of stored file: ``<prefix>/<name>`` in the bucket, or ``<name>`` in a local folder.

    :param prefix: the key prefix in the bucket, and the folder's name under ``<instance>/media`` locally.
    :param folder_setting: the config key that may name another local folder.
    """

    prefix: str
    folder_setting: str

    def folder(self):
        """The local folder (created when missing): the ``folder_setting`` or ``<instance>/media/<prefix>``."""
        configured = current_app.config.get(self.folder_setting)
        folder = Path(configured or Path(current_app.instance_path) / "media" / self.prefix)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def key(self, name):
        """The object's key in the bucket."""
        return f"{self.prefix}/{name}"

    def save(self, name, data, content_type):
        """Store ``data`` as ``name`` (never over an existing local file); StorageUnavailable when the bucket fails."""
        if not uses_bucket():
            path = self.folder() / name
            with path.open("xb") as out:  # "x": never over an existing file
                try:
                    out.write(data)
                except BaseException:
                    path.unlink(missing_ok=True)  # no half-written file left behind
                    raise
            return
        try:
            s3_client.put_object(self.key(name), data, content_type, CACHE_CONTROL)
        except s3_client.S3Error as error:
            log.error("storing a file failed: %s", error)
            raise StorageUnavailable from error

    def replace(self, name, data, content_type, cache_control="no-cache"):
        """Store ``data`` as ``name`` over what was there (files rewritten in place, e.g. nightly downloads).

        Locally the file is written beside and renamed over the old one, so a reader sees the old or the new file,
        never half of one. A failing bucket raises ``s3_client.S3Error`` (a job is retried).
        """
        if not uses_bucket():
            folder = self.folder()
            partial = folder / f".{name}.{secrets.token_hex(8)}.partial"
            partial.write_bytes(data)
            os.replace(partial, folder / name)
            return
        s3_client.put_object(self.key(name), data, content_type, cache_control)

    def read(self, name):
        """The bytes stored as ``name``, None when there is none (``s3_client.S3Error`` when the bucket fails)."""
        if not uses_bucket():
            path = self.folder() / name
            return path.read_bytes() if path.is_file() else None
        return s3_client.get_object(self.key(name))

    def delete(self, name):
        """Delete ``name`` if present; a bucket that fails is logged (a left-over object harms nothing)."""
        if not uses_bucket():
            (self.folder() / name).unlink(missing_ok=True)
            return
        try:
            s3_client.delete_object(self.key(name))
        except s3_client.S3Error as error:
            log.warning("deleting a file failed, the object is left in the bucket: %s", error)

    def copy_to_bucket(self, name):
        """Copy the local file ``name`` into the bucket (moving to MEDIA_STORAGE=s3); False when it is not there."""
        path = self.folder() / name
        if not path.is_file():
            return False
        s3_client.put_object(self.key(name), path.read_bytes(), mimetypes.guess_type(name)[0]
                             or "application/octet-stream", CACHE_CONTROL)
        return True

    def url(self, name):
        """Where a browser fetches ``name`` from the bucket; None for local files (the app serves those)."""
        if not uses_bucket():
            return None
        public = current_app.config.get("S3_PUBLIC_URL")
        if public:
            return f"{public.rstrip('/')}/{quote(self.key(name))}"
        return _presigned(self.key(name))


def _presigned(key):
    """A presigned URL for ``key``, the same one for half its life (signing is local: no request is made)."""
    config = current_app.config
    remembered = (config.get("S3_ENDPOINT_URL"), config.get("S3_BUCKET"), key)
    now = time.monotonic()
    with _urls_lock:
        found = _urls.get(remembered)
    if found and found[1] > now:
        return found[0]
    seconds = min(int(config.get("S3_URL_SECONDS") or s3_client.MAX_URL_SECONDS), s3_client.MAX_URL_SECONDS)
    url = s3_client.presigned_url(key, seconds)
    with _urls_lock:
        if len(_urls) >= REMEMBERED_URLS:
            _urls.clear()
        _urls[remembered] = (url, now + seconds / 2)
    return url


def media_origin():
    """The origin (``scheme://host[:port]``) pages load bucket files from, for the CSP; None for local files."""
    if not uses_bucket():
        return None
    config = current_app.config
    settings = tuple(config.get(name) for name in ("S3_PUBLIC_URL", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION",
                                                   "S3_ADDRESSING_STYLE"))
    if settings not in _origins:
        try:
            address = urlsplit(Store("origin", "").url("probe"))  # signed locally: no request is made
        except s3_client.S3Error as error:  # no keys found: pages still answer, photos will not show
            log.error("photos in the bucket cannot be linked: %s", error)
            return None
        _origins[settings] = f"{address.scheme}://{address.netloc}"
    return _origins[settings]


def problem():
    """None when stored files can be reached (always, for local files), else what is wrong (for readiness)."""
    return s3_client.check_bucket() if uses_bucket() else None
