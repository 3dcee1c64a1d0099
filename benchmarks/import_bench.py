"""Import a synthetic 10,000-row registry file and a 10,000-row listing file; time first import and re-import.

Also times reading the registry file alone (the streaming reader) and the dry run an upload page does first, with
the process's peak memory after each (resident set size, MB). Results for another size than 10,000 rows are saved
apart (``import_<database>_<rows>.json``).

Usage: python benchmarks/import_bench.py [ROWS]   (BENCH_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
"""

import csv
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_app, save  # noqa: E402
from marketplace.core.tabular import open_table  # noqa: E402
from marketplace.reference.lookup import provinces  # noqa: E402
from marketplace.registry.importer import import_registry  # noqa: E402
from marketplace.shop.catalog.importer import import_catalog  # noqa: E402

KINDS = ["Chè", "Nước mắm", "Mật ong", "Gạo", "Cà phê", "Mắc ca", "Rượu", "Miến", "Bánh", "Tinh dầu", "Gốm",
         "Nón lá", "Hồng treo gió", "Trà hoa vàng", "Tiêu", "Tỏi", "Mứt", "Khô cá"]
PLACES = ["Tân Cương", "Phú Quốc", "Bát Tràng", "Lý Sơn", "Ba Vì", "Mộc Châu", "Đà Lạt", "Cầu Kè", "Hội An",
          "Sa Pa", "Bắc Hà", "Tuy Đức", "Cái Bè", "Ninh Thới", "Hải Hậu", "Thanh Ba"]
TYPES = ["cooperative", "cooperative_group", "enterprise", "household_business"]


def registry_rows(count, rng):
    """``count`` valid registry rows with varied provinces (old and new names), groups and dates."""
    names = [old.name for p in provinces().values() for old in p.legacy] + [p.name for p in provinces().values()]
    for n in range(count):
        stars = rng.choices([3, 4, 5], weights=[67, 31, 2])[0]
        decided = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000))
        yield {
            "certificate_number": f"{1000 + n}/QĐ-UBND-{n:05d}", "decision_number": f"{1000 + n}/QĐ-UBND",
            "decision_date": decided.isoformat(), "issuing_authority": "UBND tỉnh",
            "issuing_level": "ministry" if stars == 5 else "province", "stars": stars,
            "score": {3: 60, 4: 80, 5: 92}[stars],
            "product_name": f"{rng.choice(KINDS)} {rng.choice(PLACES)} số {n}",
            "product_group": f"{rng.randint(1, 26):02d}",
            "entity_name": f"HTX {rng.choice(PLACES)} {n // 2}", "entity_type": rng.choice(TYPES),
            "entity_tax_code": f"{4000000000 + n // 2}", "province": rng.choice(names),
            "address": f"xã {rng.choice(PLACES)}",
        }


def write(path, rows):
    """Write dict rows to a CSV file."""
    rows = list(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def timed(function, *args):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args)
    return round(time.perf_counter() - start, 2), result


def peak_mb():
    """The process's peak resident memory so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def count_rows(path):
    """Read every row of ``path`` through the import reader, keeping none."""
    with open_table(path) as (_header, cells):
        return sum(1 for _ in cells)


def main(rows=10_000):
    """Run the import benchmark and save the result."""
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp())
    registry = write(folder / "registry.csv", registry_rows(rows, rng))
    listings = write(folder / "listings.csv", ({"certificate_number": f"{1000 + n}/QĐ-UBND-{n:05d}",
                                                 "price_vnd": rng.randint(20, 900) * 1000,
                                                 "stock": rng.randint(0, 300)} for n in range(rows)))
    app, database = fresh_app()
    with app.app_context():
        baseline_mb = peak_mb()
        read, counted = timed(count_rows, registry)
        assert counted == rows
        read_peak_mb = peak_mb()
        dry, checked = timed(lambda: import_registry(registry, dry_run=True))
        assert checked.ok and checked.created == rows
        dry_peak_mb = peak_mb()
        first, result = timed(import_registry, registry)
        assert result.ok and result.created == rows, result.errors[:5]
        again, repeat = timed(import_registry, registry)
        assert repeat.unchanged == rows
        listing_first, listing_result = timed(import_catalog, listings)
        assert listing_result.created == rows
        listing_again, _ = timed(import_catalog, listings)
    save(f"import_{database}" + ("" if rows == 10_000 else f"_{rows}"), {
        "database": database, "rows": rows, "registry_read_s": read, "registry_dry_run_s": dry,
        "registry_import_s": first, "registry_reimport_s": again, "catalog_import_s": listing_first,
        "catalog_reimport_s": listing_again, "target_s": 60, "baseline_peak_mb": baseline_mb,
        "after_read_peak_mb": read_peak_mb, "after_dry_run_peak_mb": dry_peak_mb, "end_peak_mb": peak_mb()})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
