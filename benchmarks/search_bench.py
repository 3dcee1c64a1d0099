"""Search benchmark: N synthetic products with realistic Vietnamese names, through the search facade,
and SQLite FTS5 on the same data as a reference point.

Usage: python benchmarks/search_bench.py [N ...]   (default: 20000 100000; results in benchmarks/results/)
"""

import json
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from benchmarks.common import fresh_app, save, summary  # noqa: E402
from marketplace import search  # noqa: E402
from marketplace.core.clock import today  # noqa: E402
from marketplace.core.text import fold_words, name_key  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.reference.lookup import criteria_sets, provinces  # noqa: E402
from marketplace.registry.models import Certificate, Entity, Product  # noqa: E402
from marketplace.search import Filters  # noqa: E402
from marketplace.search.analysis import folded_words  # noqa: E402
from marketplace.shop.catalog.models import Listing  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "marketplace" / "demo" / "data"


def vocabulary():
    """Product kinds (first words of demo names), places (last words) and descriptions from the demo content."""
    kinds, places, descriptions = set(), set(), []
    for path in sorted(DEMO.glob("catalogue_*.json")):
        for block in json.loads(path.read_text(encoding="utf-8")):
            for product in block["products"]:
                words = product["name"].split()
                if len(words) >= 3:
                    kinds.add((" ".join(words[:2]), product["group"]))
                    places.add(" ".join(words[-2:]))
                descriptions.append(product.get("description_vi", ""))
    return sorted(kinds), sorted(places), descriptions


def populate(count, rng):
    """Insert ``count`` listed products (with entities, certificates and listings) by bulk statements."""
    kinds, places, descriptions = vocabulary()
    codes = list(provinces())
    day = today()
    now = datetime.now(UTC)
    entities, products, certificates, listings = [], [], [], []
    for n in range(1, count + 1):
        kind, group = rng.choice(kinds)
        name = f"{kind} {rng.choice(places)} {rng.choice(['', 'loại 1', 'đặc biệt', 'hộp quà', 'túi 500 g'])} {n}"
        province = rng.choice(codes)
        if n % 2:
            entity_name = f"HTX {rng.choice(places)} {n}"
            entities.append({"id": n // 2 + 1, "name": entity_name, "name_key": name_key(entity_name),
                             "slug": f"htx-{n}", "entity_type": "cooperative", "province_code": province})
        stars = rng.choices([3, 4, 5], weights=[67, 31, 2])[0]
        valid_from = day - timedelta(days=rng.randint(1, 900))
        products.append({"id": n, "entity_id": (n - 1) // 2 + 1, "name": name.strip(), "name_key": name_key(name),
                         "slug": f"p-{n}", "criteria_set_code": group, "province_code": province})
        certificates.append({"id": n, "code": f"B{n:07d}", "number": f"{n}/QĐ-UBND-{n}", "product_id": n,
                             "decision_number": f"{n}/QĐ-UBND", "decision_date": valid_from,
                             "issuing_authority": "UBND tỉnh",
                             "issuing_level": "ministry" if stars == 5 else "province",
                             "stars": stars, "valid_from": valid_from, "valid_until": valid_from + timedelta(days=1095),
                             "status": "active"})
        listings.append({"id": n, "product_id": n, "price_vnd": rng.randint(20, 2000) * 1000,
                         "stock": rng.choice([0, 5, 20, 100]), "published": True, "created_at": now,
                         "description_vi": rng.choice(descriptions)})
    for model, rows in ((Entity, entities), (Product, products), (Certificate, certificates), (Listing, listings)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start:start + 5000])
    db.session.commit()
    return products, listings


def query_mix(rng, count=500):
    """Mixed queries: text, text + province, facets with filters, text sorted by price."""
    kinds, places, _ = vocabulary()
    codes = list(provinces())
    groups = sorted({c.sector_code for c in criteria_sets().values()})
    mix = []
    for n in range(count):
        text = fold_words(rng.choice(kinds)[0] if n % 3 else rng.choice(places))
        kind = n % 20
        if kind < 8:
            mix.append(Filters(q=text, sort="relevance"))
        elif kind < 13:
            mix.append(Filters(q=text, sort="relevance", province_code=rng.choice(codes)))
        elif kind < 17:
            sector = rng.choice(groups)
            mix.append(Filters(criteria_codes=[c.code for c in criteria_sets().values() if c.sector_code == sector],
                               min_stars=rng.choice([None, 4]), sort="newest"))
        else:
            mix.append(Filters(q=text, sort="price_asc"))
    return mix


def time_facade(mix, cold=False):
    """Milliseconds per query through the facade (page of 24, total and facets); ``cold`` empties the
    term-mask cache before each query, as if every word were typed for the first time."""
    day = today()
    samples = []
    for filters in mix:
        if cold:
            search.current_engine().searcher()[1].postings.cache.clear()
        start = time.perf_counter()
        search.search(filters, day)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def fts5_reference(products, listings, mix):
    """The same queries on SQLite FTS5 (folded text, bm25, facet GROUP BYs); milliseconds per query."""
    listing_by = {row["product_id"]: row for row in listings}
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE fts USING fts5(name, body, province UNINDEXED, criteria UNINDEXED, "
                       "stars UNINDEXED, price UNINDEXED, tokenize='unicode61')")
    start = time.perf_counter()
    connection.executemany("INSERT INTO fts(rowid, name, body, province, criteria, stars, price) "
                           "VALUES (?,?,?,?,?,?,?)",
                           [(p["id"], fold_words(p["name"]), fold_words(listing_by[p["id"]]["description_vi"]),
                             p["province_code"], p["criteria_set_code"], 3, listing_by[p["id"]]["price_vnd"])
                            for p in products])
    connection.commit()
    build = time.perf_counter() - start
    samples = []
    for filters in mix:
        start = time.perf_counter()
        words = folded_words(filters.q)
        where, args = [], []
        if words:
            where.append("fts MATCH ?")
            args.append(" ".join(words[:-1] + [words[-1] + "*"]))
        if filters.province_code:
            where.append("province = ?")
            args.append(filters.province_code)
        if filters.criteria_codes:
            where.append(f"criteria IN ({','.join('?' * len(filters.criteria_codes))})")
            args += filters.criteria_codes
        clause = " WHERE " + " AND ".join(where) if where else ""
        order = " ORDER BY bm25(fts)" if words and filters.sort == "relevance" else " ORDER BY price"
        connection.execute(f"SELECT rowid FROM fts{clause}{order} LIMIT 24", args).fetchall()
        connection.execute(f"SELECT count(*) FROM fts{clause}", args).fetchone()
        for column in ("province", "criteria", "stars"):
            connection.execute(f"SELECT {column}, count(*) FROM fts{clause} GROUP BY {column}", args).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    return build, samples


def index_size(path):
    """Bytes on disk of the live index generation."""
    return sum(f.stat().st_size for f in Path(path).resolve().rglob("*") if f.is_file())


def run(count):
    """Benchmark one catalogue size and save its result."""
    rng = random.Random(count)
    app, database = fresh_app()
    with app.app_context():
        app.config["SEARCH_SYNC_ON_COMMIT"] = False
        products, listings = populate(count, rng)
        start = time.perf_counter()
        indexed = search.rebuild()
        build = time.perf_counter() - start
        mix = query_mix(rng)
        time_facade(mix[:50])  # warm the searcher and its columns
        samples = time_facade(mix)
        cold = time_facade(mix[:200], cold=True)
        one = Filters(price_min=1234567, price_max=1234567, sort="newest")
        db.session.execute(Listing.__table__.update().where(Listing.product_id == 1).values(price_vnd=1234567))
        search.queue(db.session, [1])
        start = time.perf_counter()
        db.session.commit()
        search.sync_pending()
        visible = search.search(one, today())
        update_ms = (time.perf_counter() - start) * 1000
        fts_build, fts_samples = fts5_reference(products, listings, mix)
        result = {
            "products": count, "indexed": indexed, "database": database, "engine": "whoosh-ng 5.4.0",
            "build_s": round(build, 1), "index_mb": round(index_size(search.current_engine().current) / 2**20, 1),
            "queries": summary(samples), "queries_cold_cache": summary(cold),
            "update_visible_ms": round(update_ms, 1),
            "update_found": 1 in visible.product_ids,
            "fts5": {"build_s": round(fts_build, 1), "queries": summary(fts_samples)},
            "targets": {"20000": "p95 <= 30 ms", "100000": "p95 <= 120 ms, reindex <= 120 s",
                        "update_visible": "<= 1000 ms"},
            "median_check": round(statistics.median(samples), 2),
        }
        search.current_engine().close()
    save(f"search_{count}", result)


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [20000, 100000]:
        run(size)
