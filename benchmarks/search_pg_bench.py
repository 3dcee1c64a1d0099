"""PostgreSQL search backend benchmark: the Whoosh benchmark's catalogue and 500-query mix, through the facade.

Usage: BENCH_DATABASE_URL=postgresql+psycopg://… python benchmarks/search_pg_bench.py [N ...]
(default: 20000 100000; results in benchmarks/results/search_pg_<N>.json and search_pg.md). The benchmark empties
that database first (its public schema is dropped and created again).
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.common import RESULTS, fresh_app, save, summary  # noqa: E402
from benchmarks.search_bench import populate, query_mix  # noqa: E402
from marketplace import search  # noqa: E402
from marketplace.core.clock import today  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.search import Filters  # noqa: E402
from marketplace.shop.catalog.models import Listing  # noqa: E402

WHERE_THE_TIME_GOES = (
    "Where the time goes: browsing without typed words reads its page through an index and its facets from "
    "`search_facet`, whatever the catalogue's size. A typed query reads every matching document once (its facts "
    "for the facets, its ranking lexemes for the score): the slowest 5 % at 100,000 products are two-syllable "
    "queries common in descriptions (\"tra la\", \"thanh tra\", \"hoa van\", \"mat hoa\" in a province: 3,000 "
    "to 18,000 matching documents). For those, backend CPU (EXPLAIN ANALYZE, and /proc schedstat of the backend "
    "over variants of the same statement) splits about half in the GIN lookup (OR-ed posting lists of each word, "
    "its category word and the last word's name prefixes, ~0.2 µs per posting, e.g. 6 ms of \"hoa van\"), a tenth "
    "in reading the narrow heap pages, and the rest in the one pass over the matches: materializing them (~0.25 µs "
    "a row), the facet buckets (~0.15 µs a row), the name test and the score. Measured on the heaviest queries, "
    "narrow rows (`terms` out of line: 21 rows a page instead of 8) saved 25-30 %, rounding as numeric only the "
    "scores that can reach the page 10-25 %, and one GIN key per typed word, a narrower `m` and the name test "
    "only where all faceted filters pass another 10-15 %. Whoosh answers the same queries from term masks cached "
    "in memory per index generation; the PostgreSQL backend keeps no cache, so that every app server answers "
    "from the committed truth. On this shared 2-CPU machine the load of other programs moves the single-pass p95 "
    "by several ms (compare the Whoosh column, same code on every run).")
TARGETS = {"20000": "p95 <= 10 ms", "100000": "p95 <= 20 ms", "update_visible": "the next query (0 ms lag)"}
#: Runs before the narrow rows, the vacuum after a rebuild and the rounding of reachable scores only (same script).
BEFORE = [
    "Before these changes (same script): 4 December 2026: 100,000: p95 27.37 ms (load 1.1); 20,000: p95 9.94 ms. "
    "5 December 2026 06:20: 20,000: p95 12.4 ms (median 4.62, load 2.4; Whoosh 5.46); 100,000: p95 21.9 ms "
    "(median 6.33, max 56.2, load 2.4; Whoosh 14.58), rebuild 65.4 s. 5 December 2026, afternoon, the same code "
    "as this run on a machine two to three times slower (a pure-Python loop took 1.34 s against 0.43 s on 6 "
    "December): 20,000: p95 9.93 ms (load 3.4; Whoosh 5.82); 100,000: p95 24.95 ms, best of 3 13.25 ms (load 3.2; "
    "Whoosh 22.71), rebuild 106.3 s. The 100,000 target is met on a quiet machine and missed when it is loaded.",
]
#: Server settings the run reports (the benchmark sets none: the server's own, as a deploy would have them).
SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit",
            "max_parallel_workers_per_gather")


BACKENDS = ("postgres", "whoosh")


def time_facade(app, mix, backends=BACKENDS):
    """Milliseconds per query through the facade (page of 24, total and facets, spelling help when due).

    With several backends each query is run by each in turn, so that both see the machine's load alike.
    """
    day = today()
    samples = {backend: [] for backend in backends}
    for filters in mix:
        for backend in backends:
            app.config["SEARCH_BACKEND"] = backend
            start = time.perf_counter()
            search.search(filters, day)
            samples[backend].append((time.perf_counter() - start) * 1000)
            db.session.rollback()  # end the read transaction, as a request does (not timed: Whoosh has none)
    app.config["SEARCH_BACKEND"] = "postgres"
    return samples


def figures(samples_ms):
    """``summary`` plus the 99th percentile."""
    ordered = sorted(samples_ms)
    return {**summary(ordered), "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 2)}


def best_of(runs):
    """Each query's fastest time over several runs (what the machine's other load did not add)."""
    return [min(times) for times in zip(*runs, strict=True)]


def by_kind(mix, samples):
    """p95 per kind of query of the mix (text, text + province, browse with filters, text by price)."""
    kinds = {}
    for filters, sample in zip(mix, samples, strict=True):
        kind = ("browse" if not filters.q else "text + province" if filters.province_code
                else "text by price" if filters.sort == "price_asc" else "text")
        kinds.setdefault(kind, []).append(sample)
    return {kind: figures(values) for kind, values in sorted(kinds.items())}


def sizes():
    """Megabytes of the documents table and of the term counts, indexes and TOAST included."""
    size = "SELECT pg_total_relation_size(:table) / 1048576.0"
    return {table: round(float(db.session.scalar(text(size), {"table": table})), 1)
            for table in ("search_document", "search_facet", "search_term")}


def visible_after_commit():
    """Milliseconds from a price change's commit to the query that finds it, and whether it did."""
    one = Filters(price_min=1234567, price_max=1234567, sort="newest")
    db.session.execute(Listing.__table__.update().where(Listing.product_id == 1).values(price_vnd=1234567))
    search.queue(db.session, [1])
    start = time.perf_counter()
    db.session.commit()
    commit_ms = (time.perf_counter() - start) * 1000
    found = search.search(one, today())
    return round(commit_ms, 1), round((time.perf_counter() - start) * 1000, 1), 1 in found.product_ids


def server_settings():
    """The PostgreSQL settings that bear on these queries, as the server has them."""
    return {name: db.session.scalar(text(f"SHOW {name}")) for name in SETTINGS}


def empty_database(url):
    """Drop and create again the public schema of the benchmark's database (tables, types, extensions)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def whoosh_index(app):
    """The Whoosh index of the same catalogue, for the comparison; seconds to build it."""
    app.config["SEARCH_BACKEND"] = "whoosh"
    app.config["SEARCH_INDEX_DIR"] = tempfile.mkdtemp()
    start = time.perf_counter()
    search.rebuild()
    app.config["SEARCH_BACKEND"] = "postgres"
    return round(time.perf_counter() - start, 1)


def run(count):
    """Benchmark one catalogue size and save its result."""
    rng = random.Random(count)
    empty_database(os.environ["BENCH_DATABASE_URL"])
    app, database = fresh_app()
    app.config["SEARCH_BACKEND"] = "postgres"
    with app.app_context():
        populate(count, rng)
        start = time.perf_counter()
        indexed = search.rebuild()
        build = time.perf_counter() - start
        mix = query_mix(rng)
        first = time_facade(app, mix[:200], ("postgres",))["postgres"]  # PostgreSQL's caches still filling
        whoosh_build = whoosh_index(app)
        time_facade(app, mix[:50])
        load = os.getloadavg()[0]
        samples = time_facade(app, mix)
        again = [time_facade(app, mix, ("postgres",))["postgres"] for _ in range(2)]
        load = round(max(load, os.getloadavg()[0]), 1)
        commit_ms, visible_ms, found = visible_after_commit()
        version = db.session.scalar(text("SHOW server_version"))
        result = {
            "products": count, "indexed": indexed, "database": database, "engine": f"PostgreSQL {version}",
            "build_s": round(build, 1), "tables_mb": sizes(), "queries": figures(samples["postgres"]),
            "queries_by_kind": by_kind(mix, samples["postgres"]),
            "queries_best_of_3": figures(best_of([samples["postgres"], *again])),
            "first_queries_after_rebuild": figures(first),
            "commit_with_document_ms": commit_ms, "update_visible_ms": visible_ms, "update_found": found,
            "whoosh_same_run": {"build_s": whoosh_build, "queries": figures(samples["whoosh"]),
                                "queries_by_kind": by_kind(mix, samples["whoosh"])},
            "load_average": load, "server_settings": server_settings(), "session_settings": {},
            "targets": TARGETS,
        }
        search.current_engine().close()
    save(f"search_pg_{count}", result)
    return result


def write_note(results):
    """benchmarks/results/search_pg.md: the figures of this run beside the targets."""
    lines = ["# PostgreSQL search backend", "",
             "`BENCH_DATABASE_URL=… python benchmarks/search_pg_bench.py` — the catalogue and the 500-query mix of "
             "`search_bench.py` (text, text + province, browse with sector and stars filters, text by price; every "
             "query with a page of 24, the total and the facets), through `search.search`, warm. Each query is "
             "run by both backends in turn on the same catalogue, so the Whoosh column saw the same machine load; "
             "`load` is the 1-minute load average of the 2-CPU machine while timing. `best of 3` times the mix "
             "twice more and keeps each query's fastest run (the p95 of what other programs did not add). The "
             "rebuild ends with `VACUUM ANALYZE`, as `flask search reindex` does; the benchmark sets no session "
             "setting (the server's own are in the JSON).", "",
             "| products | p95 ms | median ms | p99 ms | max ms | p95 best of 3 | Whoosh p95 ms (same run) | "
             "rebuild s | tables MB | commit + next query ms | load | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        queries = result["queries"]
        lines.append(f"| {result['products']:,} | {queries['p95_ms']} | {queries['median_ms']} | {queries['p99_ms']} | "
                     f"{queries['max_ms']} | {result['queries_best_of_3']['p95_ms']} | "
                     f"{result['whoosh_same_run']['queries']['p95_ms']} | {result['build_s']} | "
                     f"{sum(result['tables_mb'].values()):.1f} | {result['update_visible_ms']} | "
                     f"{result['load_average']} | {TARGETS.get(str(result['products']), '')} |")
    lines += ["", "p95 by kind of query (ms):", ""]
    for result in results:
        kinds = ", ".join(f"{kind} {values['p95_ms']}" for kind, values in result["queries_by_kind"].items())
        lines.append(f"- {result['products']:,}: {kinds}")
    lines += ["", WHERE_THE_TIME_GOES, "", *BEFORE]
    (RESULTS / "search_pg.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if not (os.environ.get("BENCH_DATABASE_URL") or "").startswith("postgresql"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database (the benchmark drops its tables)")
    write_note([run(size) for size in [int(arg) for arg in sys.argv[1:]] or [20000, 100000]])
