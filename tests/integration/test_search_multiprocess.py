"""Several worker processes writing at once: every change reaches the index, none is lost (both backends)."""

import subprocess
import sys
from pathlib import Path

from flask import current_app

from marketplace import search
from marketplace.core.clock import today
from marketplace.search import Filters
from tests.support.search_backend import POSTGRES_SEARCH

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from tests.factories import make_entity, make_listed

class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]
    SEARCH_INDEX_DIR = sys.argv[2]
    SEARCH_WRITE_TIMEOUT = 0.5

app = create_app(Config)
with app.app_context():
    entity = make_entity(f"HTX Tiến trình {sys.argv[3]}")
    db.session.commit()
    for n in range(int(sys.argv[4])):
        make_listed(f"Chè tiến trình {sys.argv[3]} số {n}", entity=entity)
        db.session.commit()
    db.session.remove()
    db.engine.dispose()
"""


def test_two_processes_committing_at_once_lose_nothing(app):
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    if not POSTGRES_SEARCH:
        search.current_engine().ensure()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, index_dir, name, "15"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("A", "B")]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
    search.sync_pending()  # anything a busy index left queued (the cron `flask search sync` does this)
    assert search.pending_count() == 0
    assert search.check() == ([], [])
    assert search.search(Filters(), today()).total == 30
