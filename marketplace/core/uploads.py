"""Uploaded import files wait here between their dry run and their import; only the uploader finds them again."""

import re
import secrets
from pathlib import Path

from flask import abort, current_app

TOKEN = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")


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
    if not result.ok:
        path.unlink(missing_ok=True)
    return result, token


def run_stashed(owner, token, run):
    """Run ``run(path)`` on the file ``owner`` stashed under ``token`` (404 when it is not theirs), then delete it."""
    path = uploads_dir() / f"{owner}-{token}"
    if not TOKEN.fullmatch(token) or not path.exists():
        abort(404)
    try:
        return run(path)
    finally:
        path.unlink(missing_ok=True)
