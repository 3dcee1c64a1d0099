"""Shared set-up for benchmarks: a fresh migrated database (SQLite file, or BENCH_DATABASE_URL)."""

import json
import os
import platform
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate

from marketplace import create_app
from marketplace.config import DevelopmentConfig

RESULTS = Path(__file__).resolve().parent / "results"


def fresh_app(overrides=None):
    """An app on an empty, migrated database (``overrides``: settings to change); returns (app, database kind)."""
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"

    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url

    for key, value in (overrides or {}).items():
        setattr(Config, key, value)

    app = create_app(Config)
    with app.app_context():
        if url.startswith("postgresql"):
            from marketplace.extensions import db

            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        flask_migrate.upgrade()
    return app, url.split(":")[0].split("+")[0]


def summary(samples_ms):
    """Median, p95 and max of a list of milliseconds."""
    ordered = sorted(samples_ms)
    return {"median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2), "max_ms": round(ordered[-1], 2),
            "n": len(ordered)}


def save(name, result):
    """Write ``result`` with machine facts to benchmarks/results/<name>.json and print it."""
    result = {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "python": platform.python_version(), "cpus": os.cpu_count(), **result}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1, ensure_ascii=False))
