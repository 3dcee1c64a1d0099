"""Lighthouse scores of the storefront on a phone: home, a search and a product page of the demo catalogue.

Serves the app with the demo catalogue (a fresh migrated database, the demo loaded, the search index built) on a
free loopback port, then runs the Lighthouse CLI (npm ``lighthouse@12``) with Debian's chromium: mobile preset
(Lighthouse's default form factor) and Lighthouse's own simulated throttling, nothing more. Writes the category
scores, key metrics and the audits that did not pass to benchmarks/results/lighthouse.json and prints a table.

Usage::

    npm install --prefix benchmarks/.node lighthouse@12      # once (benchmarks/.node is ignored by git)
    python benchmarks/lighthouse_bench.py [RUNS]             # RUNS per page, the median run is kept (default 1)

``CHROME_PATH`` (default /usr/bin/chromium) and ``LIGHTHOUSE`` (the CLI; default benchmarks/.node's) can be set;
``BENCH_DATABASE_URL`` serves from PostgreSQL instead of a SQLite file.
"""

import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from benchmarks.common import fresh_app, save  # noqa: E402
from marketplace import search  # noqa: E402
from marketplace.core.clock import today  # noqa: E402
from marketplace.demo.loader import load_demo  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.registry.models import Product  # noqa: E402
from marketplace.shop.catalog.rules import listed_products  # noqa: E402

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = Path(os.environ.get("LIGHTHOUSE") or HERE / ".node" / "node_modules" / ".bin" / "lighthouse")
CHROME = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
#: Lighthouse audit id → the name used in the results.
METRICS = {"first-contentful-paint": "fcp_ms", "largest-contentful-paint": "lcp_ms", "speed-index": "speed_index_ms",
           "total-blocking-time": "tbt_ms", "cumulative-layout-shift": "cls", "server-response-time": "ttfb_ms",
           "total-byte-weight": "bytes"}
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}


def demo_server(workdir):
    """The app on the demo catalogue, served from a background thread; returns (base URL, product path, server)."""
    app, database = fresh_app()
    app.config.update(SEARCH_INDEX_DIR=str(workdir / "search-index"), MEDIA_DIR=str(workdir / "media"))
    with app.app_context():
        load_demo(workdir / "demo")
        search.rebuild()
        slug = db.session.scalars(listed_products(today()).with_only_columns(Product.slug)
                                  .order_by(Product.id).limit(1)).one()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would bury the table
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", f"/p/{slug}", server, database


def lighthouse(url, report_path):
    """One Lighthouse run of ``url`` (mobile, simulated throttling); returns the parsed JSON report."""
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report_path}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME}, timeout=300)
    return json.loads(Path(report_path).read_text(encoding="utf-8"))


def summarise(report):
    """Scores (0–100), key metrics and the ids of audits that did not pass, from one Lighthouse report."""
    audits = report["audits"]
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    metrics = {key: round(audits[audit]["numericValue"], 3 if key == "cls" else None)
               for audit, key in METRICS.items() if audits.get(audit, {}).get("numericValue") is not None}
    failing = {}
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
                items = (audit.get("details") or {}).get("items") or []
                nodes = [item["node"].get("snippet", "") for item in items[:3] if isinstance(item.get("node"), dict)]
                failing.setdefault(name, []).append({"id": ref["id"], "title": audit["title"],
                                                     "score": audit["score"], "value": audit.get("displayValue", ""),
                                                     "nodes": nodes})
    return {"scores": scores, "metrics": metrics, "failing": failing,
            "lighthouse": report["lighthouseVersion"], "user_agent": report["environment"]["hostUserAgent"],
            "form_factor": report["configSettings"]["formFactor"],
            "throttling": report["configSettings"]["throttlingMethod"]}


def median_run(runs):
    """The run whose performance score is the median (Lighthouse's own advice for several runs)."""
    ordered = sorted(runs, key=lambda run: run["scores"]["performance"])
    return {**ordered[len(ordered) // 2], "performance_runs": [run["scores"]["performance"] for run in runs]}


def table(pages):
    """A plain-text table of the scores and the main metrics per page."""
    head = f"{'page':<28}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}{'FCP ms':>9}{'LCP ms':>9}{'TBT ms':>8}{'CLS':>7}"
    lines = [head, "-" * len(head)]
    for path, run in pages.items():
        s, m = run["scores"], run["metrics"]
        lines.append(f"{path[:27]:<28}{s['performance']:>6}{s['accessibility']:>6}{s['best-practices']:>6}"
                     f"{s['seo']:>6}{m.get('fcp_ms', 0):>9.0f}{m.get('lcp_ms', 0):>9.0f}{m.get('tbt_ms', 0):>8.0f}"
                     f"{m.get('cls', 0):>7.3f}")
    return "\n".join(lines)


def main(runs=1):
    """Serve the demo, run Lighthouse ``runs`` times per page, save and print the results."""
    if not LIGHTHOUSE.exists():
        sys.exit(f"Lighthouse CLI not found at {LIGHTHOUSE}: npm install --prefix benchmarks/.node lighthouse@12")
    if not Path(CHROME).exists():
        sys.exit(f"chromium not found at {CHROME}: apt-get install chromium, or set CHROME_PATH")
    workdir = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    base, product, server, database = demo_server(workdir)
    pages = {}
    try:
        for path in ("/", "/search?q=che", product):
            reports = [summarise(lighthouse(base + path, workdir / f"report-{len(pages)}-{n}.json"))
                       for n in range(runs)]
            pages[path] = median_run(reports)
    finally:
        server.shutdown()
    result = {"database": database, "runs_per_page": runs, "chrome_flags": CHROME_FLAGS, "targets": TARGETS,
              "pages": pages, "median_scores": {name: statistics.median(p["scores"][name] for p in pages.values())
                                                for name in CATEGORIES}}
    save("lighthouse", result)
    print()
    print(table(pages))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
