"""Uploaded import files wait here between their dry run and their import; only the uploader finds them again.

On one machine they wait in the instance folder. With ``MEDIA_STORAGE=s3`` they wait in the bucket under
``uploads/`` (private, never linked), so the dry run and the confirmation may reach different app servers.
"""

import re
import secrets
import tempfile
from pathlib import Path

from flask import abort, current_app

from marketplace.core import s3_client
from marketplace.core.storage import uses_bucket

TOKEN = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")
PREFIX = "uploads"  #: the bucket's key prefix for waiting import files


def uploads_dir():
    """The instance folder holding uploaded files between their dry run and their import."""
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def dry_run(file, owner, check):
    """Save ``file`` for ``owner``, run ``check(path)`` on it; keep it only when valid. Returns (result, token)."""
    token = secrets.token_hex(16) + (".xlsx" if file.filename.lower().endswith(".xlsx") else ".csv")
    path = uploads_dir() / f"{owner}-{token}"
    file.save(path)
    result = check(path)
    if result.ok and uses_bucket():
        s3_client.put_object(f"{PREFIX}/{owner}-{token}", path.read_bytes(), "application/octet-stream",
                             "private, no-store")
    if not result.ok or uses_bucket():
        path.unlink(missing_ok=True)
    return result, token


def run_stashed(owner, token, run):
    """Run ``run(path)`` on the file ``owner`` stashed under ``token`` (404 when it is not theirs), then delete it."""
    if not TOKEN.fullmatch(token):
        abort(404)
    if uses_bucket():
        return _run_from_bucket(f"{PREFIX}/{owner}-{token}", token, run)
    path = uploads_dir() / f"{owner}-{token}"
    if not path.exists():
        abort(404)
    try:
        return run(path)
    finally:
        path.unlink(missing_ok=True)


def _run_from_bucket(key, token, run):
    """Fetch the waiting file from the bucket into a temporary file, run, then delete both."""
    data = s3_client.get_object(key)
    if data is None:
        abort(404)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / token
        path.write_bytes(data)
        try:
            return run(path)
        finally:
            s3_client.delete_object(key)
