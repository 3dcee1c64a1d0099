"""Import a synthetic 10,000-row registry file and a 10,000-row listing file; time first import and re-import.

Usage: python benchmarks/import_bench.py [ROWS]   (BENCH_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
"""

import csv
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_app, save  # noqa: E402
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
        first, result = timed(import_registry, registry)
        assert result.ok and result.created == rows, result.errors[:5]
        again, repeat = timed(import_registry, registry)
        assert repeat.unchanged == rows
        listing_first, listing_result = timed(import_catalog, listings)
        assert listing_result.created == rows
        listing_again, _ = timed(import_catalog, listings)
    save(f"import_{database}", {"database": database, "rows": rows, "registry_import_s": first,
                                "registry_reimport_s": again, "catalog_import_s": listing_first,
                                "catalog_reimport_s": listing_again, "target_s": 60})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
