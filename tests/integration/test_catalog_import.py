"""`flask catalog import` as contract §1 and §3 say."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.extensions import db
from marketplace.shop.catalog.models import Listing

DATA = Path(__file__).resolve().parent.parent / "data"


def load_registry(runner):
    assert runner.invoke(args=["registry", "import", str(DATA / "registry_sample.csv")]).exit_code == 0


def run(runner, path, *args):
    return runner.invoke(args=["catalog", "import", str(path), *args])


def test_listings_import_once_and_reimport_changes_nothing(runner):
    load_registry(runner)
    result = run(runner, DATA / "listings_sample.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "6 created, 0 updated, 0 unchanged"
    again = run(runner, DATA / "listings_sample.csv")
    assert again.stdout.strip() == "0 created, 0 updated, 6 unchanged"
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 6


def test_changed_price_updates_the_listing_and_the_search_words(runner, client, tmp_path, frozen_clock):
    load_registry(runner)
    run(runner, DATA / "listings_sample.csv")
    path = tmp_path / "l.csv"
    path.write_text("certificate_number,price_vnd,stock,description_vi\n"
                    "858/QĐ-UBND-012,275000,20,Hạt mắc ca sấy nứt vỏ từ cao nguyên\n", encoding="utf-8")
    result = run(runner, path)
    assert result.stdout.strip() == "0 created, 1 updated, 0 unchanged"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "listing.updated")).one()
    assert entry.before["price_vnd"] == 260000 and entry.after["price_vnd"] == 275000
    found = client.get("/api/v1/products?q=cao+nguyen").get_json()["items"]
    assert [item["name"] for item in found] == ["Mắc ca Lê Anh Tuy Đức"]


def test_invalid_rows_are_all_reported_and_nothing_is_written(runner, tmp_path):
    load_registry(runner)
    path = tmp_path / "bad.csv"
    path.write_text("certificate_number,price_vnd,stock,publish\n"
                    "858/QĐ-UBND-012,0,5,yes\n"
                    "NOPE-1,100000,5,yes\n"
                    "3981/QĐ-UBND-007,100000,-1,yes\n"
                    "1887/QĐ-UBND-003,150.5,2,maybe\n", encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("row")] == [
        "row 2: price_vnd: must be at least 1",
        "row 3: certificate_number: 'NOPE-1' is not in the certificate registry",
        "row 4: stock: '-1' is not a whole number",
        "row 5: price_vnd: '150.5' is not a whole number",
        "row 5: publish: 'maybe' is not yes or no",
    ]
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_dry_run_writes_nothing(runner):
    load_registry(runner)
    result = run(runner, DATA / "listings_sample.csv", "--dry-run")
    assert result.exit_code == 0 and "6 created" in result.stdout
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_semicolons_quotes_and_multiline_descriptions(runner, tmp_path):
    load_registry(runner)
    path = tmp_path / "l.csv"
    path.write_text('certificate_number;price_vnd;stock;description_en\n'
                    '858/QĐ-UBND-012;260000;5;"Roasted, cracked \n""perfect for gifts"", 500 g"\n'
                    '3981/QĐ-UBND-007;abc;5;ok\n', encoding="utf-8")
    result = run(runner, path)
    assert [line for line in result.stderr.splitlines() if line.startswith("row")] == [
        "row 4: price_vnd: 'abc' is not a whole number"]
    path.write_text('certificate_number;price_vnd;stock;description_en\n'
                    '858/QĐ-UBND-012;260000;5;"Roasted, cracked \n""perfect for gifts"", 500 g"\n', encoding="utf-8")
    assert run(runner, path).exit_code == 0
    listing = db.session.scalar(select(Listing))
    assert listing.description_en == 'Roasted, cracked\n"perfect for gifts", 500 g'


# --- a product named through its old and its new certificate (contract §3: any certificate, whatever its status) --


def upgraded_product():
    """A product whose 3★ certificate of 2024 is superseded by a 4★ one from 2026-06-01: (old, new) numbers."""
    from datetime import date

    from tests.factories import make_certificate, make_entity, make_product

    product = make_product("Mật ong bạc hà Mèo Vạc", entity=make_entity("HTX Ong mật Mèo Vạc", province_code="08"))
    old = make_certificate(product, stars=3, valid_from=date(2024, 3, 1))
    new = make_certificate(product, stars=4, valid_from=date(2026, 6, 1))
    db.session.commit()
    return old.number, new.number


def listing_file(path, rows):
    lines = ["certificate_number,price_vnd,stock,unit,description_vi"]
    lines += [f"{number},{price},{stock},hũ 500 g,{text}" for number, price, stock, text in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("new_first", [True, False])
def test_old_and_new_certificate_with_one_offer_make_one_listing_and_the_valid_one_wins(runner, tmp_path,
                                                                                         frozen_clock, new_first):
    old, new = upgraded_product()
    rows = [(new, 240000, 12, "Mật ong 4 sao OCOP"), (old, 240000, 12, "Mật ong 3 sao OCOP")]
    path = listing_file(tmp_path / "l.csv", rows if new_first else rows[::-1])
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1 created, 0 updated, 0 unchanged"
    listing = db.session.scalars(select(Listing)).one()
    assert (listing.price_vnd, listing.stock, listing.description_vi) == (240000, 12, "Mật ong 4 sao OCOP")
    assert run(runner, path).stdout.strip() == "0 created, 0 updated, 1 unchanged"


def test_before_the_upgrade_starts_the_old_certificate_is_the_valid_one(runner, tmp_path, frozen_clock):
    from datetime import date

    old, new = upgraded_product()
    frozen_clock.set(date(2026, 5, 20))
    path = listing_file(tmp_path / "l.csv", [(new, 240000, 12, "Mật ong 4 sao OCOP"),
                                             (old, 240000, 12, "Mật ong 3 sao OCOP")])
    assert run(runner, path).exit_code == 0
    assert db.session.scalars(select(Listing.description_vi)).one() == "Mật ong 3 sao OCOP"


def test_old_and_new_certificate_with_different_offers_are_refused_naming_both_rows(runner, tmp_path, frozen_clock):
    old, new = upgraded_product()
    path = listing_file(tmp_path / "l.csv", [(old, 240000, 12, "Mật ong"), (new, 260000, 12, "Mật ong"),
                                             (new, 240000, 15, "Mật ong")])
    result = run(runner, path)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("row")] == [
        "row 3: certificate_number: row 2 names this product too, with another offer (price_vnd)",
        "row 4: certificate_number: row 2 names this product too, with another offer (stock)",
    ]
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
