"""Rate limits kept in Redis (REDIS_URL) behave like the in-memory ones; .ci/run provides TEST_REDIS_URL.

Flask-Limiter keeps one storage per process, so the Redis-backed app runs in a subprocess.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from marketplace import create_app
from marketplace.config import DevelopmentConfig
from marketplace.extensions import db

class Config(DevelopmentConfig):
    WTF_CSRF_ENABLED = False

app = create_app(Config)
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [client.post("/login", data={"email": "x@test.example", "password": f"sai mật khẩu {n}"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for n in range(11)]
print(" ".join(map(str, statuses)))
"""


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_failed_logins_are_counted_in_redis(tmp_path):
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    env = {**os.environ, "REDIS_URL": REDIS_URL, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "MARKETPLACE_ENV": "development"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["401"] * 10 + ["429"]
    assert list(store.scan_iter(match="LIMITS*"))
