"""Server time of the storefront's listing pages and API on the demo catalogue (median and p95).

Usage: python benchmarks/listing_bench.py [REQUESTS_PER_URL]   (BENCH_DATABASE_URL for PostgreSQL)
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_app, save, summary  # noqa: E402
from marketplace.demo.loader import load_demo  # noqa: E402

URLS = [
    "/", "/search", "/search?page=5", "/search?province=lam-dong&min_stars=4", "/search?q=nuoc+mam",
    "/search?group=I&sort=price_asc", "/province/ho-chi-minh", "/api/v1/products",
    "/api/v1/products?q=che&sort=stars", "/api/v1/products?province=binh-duong&in_stock=true",
]


def main(repeat=30):
    """Load the demo, warm up, then time each URL ``repeat`` times through the WSGI app."""
    app, database = fresh_app()
    with app.app_context():
        load_demo()
    client = app.test_client()
    results = {}
    for url in URLS:
        assert client.get(url).status_code == 200, url
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        results[url] = summary(samples)
    listing = [s for url, s in results.items() if url.startswith("/search")]
    save(f"listing_{database}", {"database": database, "repeat": repeat, "urls": results,
                                 "listing_page_median_ms": round(sorted(s["median_ms"] for s in listing)[
                                     len(listing) // 2], 2)})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
