"""What each storefront page costs in-process (issue #16, item 4): the Flask test client, a signed-in buyer.

    .venv/bin/python benchmarks/inprocess_pages.py [--repeat 60] [--name inprocess_pages] [--profile home]

A fresh SQLite database with the demo catalogue (Whoosh index in a temporary folder), production-like settings
(no debug, templates not reloaded, rate limits off); the demo buyer is signed in, then each page is requested
``--repeat`` times after a warm-up. No server, no network: the figures are the application's own cost per request
(routing, queries, templates), as wall-clock time and as this process's CPU time (steadier on a shared machine).
``--profile <page>`` prints a cProfile of that page instead (top 40, by ``PROFILE_SORT``, default cumulative).
Results: benchmarks/results/<name>.json (median, p95, max ms per page; ``--baseline``'s medians set beside them).
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks.common import RESULTS, fresh_app, save, summary  # noqa: E402

BUYER = "customer@ocop.example"  #: the demo buyer (marketplace/demo/accounts.py)
PAGES = {"home": "/", "listing": "/search", "search": "/search?q=che", "product": "/p/{slug}",
         "province": "/province/{province}", "api": "/api/v1/products"}


def prepare(app):
    """Load the demo catalogue and return (signed-in test client, page addresses)."""
    from marketplace.accounts.models import User
    from marketplace.core.clock import today
    from marketplace.demo.loader import load_demo
    from marketplace.extensions import db
    from marketplace.reference.lookup import provinces
    from marketplace.registry.models import Product
    from marketplace.shop.catalog.rules import listed_products

    with app.app_context():
        load_demo(Path(tempfile.mkdtemp()))
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == BUYER))
        product = db.session.execute(listed_products(today()).with_only_columns(Product.slug, Product.province_code)
                                     .order_by(Product.id).limit(1)).first()
        identity = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_fresh"] = True
    with app.app_context():
        province = provinces()[product.province_code].slug
    return client, {name: url.format(slug=product.slug, province=province) for name, url in PAGES.items()}


def measure(client, url, repeat):
    """Milliseconds of ``repeat`` requests of ``url`` (each must answer 200), after three warm-up requests."""
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    samples, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, url
    return samples, cpu


def main():
    """Measure (or profile) every page and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--name", default="inprocess_pages")
    parser.add_argument("--profile", choices=sorted(PAGES))
    parser.add_argument("--baseline", default="inprocess_pages_before",
                        help="earlier results to set beside these (median ms before → after)")
    args = parser.parse_args()
    app, database = fresh_app(overrides={"DEBUG": False, "TEMPLATES_AUTO_RELOAD": False, "RATELIMIT_ENABLED": False,
                                         "SEARCH_INDEX_DIR": tempfile.mkdtemp()})
    client, urls = prepare(app)
    if args.profile:
        measure(client, urls[args.profile], 2)
        profiler = cProfile.Profile()
        profiler.enable()
        measure(client, urls[args.profile], 30)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
        return
    pages = {}
    for name, url in urls.items():
        wall, cpu = measure(client, url, args.repeat)
        pages[name] = {"url": url, **summary(wall), "cpu_median_ms": summary(cpu)["median_ms"]}
    result = {"database": database, "search": app.config["SEARCH_BACKEND"], "visitor": "signed-in buyer",
              "repeat": args.repeat, "pages": pages}
    baseline = RESULTS / f"{args.baseline}.json"
    if args.baseline and baseline.exists():
        before = json.loads(baseline.read_text(encoding="utf-8"))["pages"]
        result["median_ms_before_after"] = {name: [before[name]["median_ms"], pages[name]["median_ms"]]
                                            for name in pages if name in before}
    save(args.name, result)


if __name__ == "__main__":
    main()
