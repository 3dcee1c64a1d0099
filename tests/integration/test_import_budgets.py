"""Spreadsheet bombs: files beyond the row, cell, line, column and size budgets are refused before they are parsed."""

import io
import random
import string
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.core import tabular
from marketplace.core.audit import AuditEntry
from marketplace.core.tabular import FileFormatError, read_table
from marketplace.extensions import db
from marketplace.registry.models import Certificate, Entity, Product
from tests.integration.test_registry_import import GOOD, HEADER, write_csv

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Entity, Product, Certificate,
                                                                                   AuditEntry))


def run(runner, path):
    return runner.invoke(args=["registry", "import", str(path)])


def refusals(result):
    return [line for line in result.stderr.splitlines() if line.startswith("row ")]


def _column(index):
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(reference, value):
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()
    return f'<c r="{reference}"><v>{value}</v></c>'.encode()


def sheet_xml(rows, dimension=None):
    """The worksheet XML, chunk by chunk: ``rows`` yields lists of cell values (str, int, or a chunk iterator)."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    for number, cells in enumerate(rows, start=1):
        yield f'<row r="{number}">'.encode()
        for index, value in enumerate(cells, start=1):
            if isinstance(value, str | int):
                yield _cell(f"{_column(index)}{number}", value)
            else:  # a huge text, streamed
                yield f'<c r="{_column(index)}{number}" t="inlineStr"><is><t>'.encode()
                yield from value
                yield b"</t></is></c>"
        yield b"</row>"
    yield b"</sheetData></worksheet>"


def write_xlsx(path, chunks):
    """A real workbook (styles, relations) whose first sheet is replaced by ``chunks``, written as they come."""
    base = io.BytesIO()
    Workbook().save(base)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as out:
                    for chunk in chunks:
                        out.write(chunk)
            else:
                target.writestr(info, source.read(info.filename))
    return path


def registry_values(**changes):
    row = {**GOOD, **changes}
    return [row.get(column, "") for column in HEADER]


def read_until_refused(path):
    """How many rows the reader gave before it refused the file, and the refusal (None if it did not)."""
    read = 0
    try:
        with tabular.open_table(path) as (_header, cells):
            for _ in cells:
                read += 1
    except FileFormatError as error:
        return read, str(error)
    return read, None


def python_calls_made_by(action):
    """``action()``'s result and how many Python function calls it made (a cost that no clock can blur)."""
    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        result = action()
    finally:
        sys.setprofile(None)
    return result, calls


def bytes_read_by(action):
    """``action()``'s result and how many bytes this process read while it ran (Linux's /proc/self/io)."""
    def rchar():
        return int(Path("/proc/self/io").read_text().split("rchar:")[1].split()[0])

    before = rchar()
    result = action()
    return result, rchar() - before


@pytest.fixture
def budget(app, monkeypatch):
    """Set one import budget in the app's config for this test."""
    def setter(name, value):
        monkeypatch.setitem(app.config, name, value)
    return setter


@pytest.fixture
def no_workbook_parsing(monkeypatch):
    """Fail the test if the file reaches openpyxl (the refusal must come first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")
    monkeypatch.setattr(tabular, "load_workbook", refuse)


# --- XLSX: what the zip declares -------------------------------------------------------------------------------


def test_one_huge_cell_in_a_small_xlsx_is_refused_before_parsing(runner, tmp_path, no_workbook_parsing):
    huge = (b"A" * 2**20 for _ in range(40))  # 40 MB of one letter: a few dozen KB once packed
    path = write_xlsx(tmp_path / "bomb.xlsx", sheet_xml([HEADER, [*registry_values()[:7], huge]]))
    assert path.stat().st_size < 500_000
    before = counts()
    result = run(runner, path)
    assert result.exit_code == 1
    [line] = refusals(result)
    assert line.startswith("row 1: file: the file unpacks to ") and line.endswith(" times its size, more than a "
                                                                                   "spreadsheet does")
    assert counts() == before


def test_xlsx_beyond_the_unpacked_size_budget_is_refused(runner, tmp_path, budget, no_workbook_parsing):
    budget("IMPORT_MAX_UNCOMPRESSED_BYTES", 1_000_000)
    rng = random.Random(3)
    rows = [HEADER] + [registry_values(certificate_number=f"{n}-{rng.random()}", address="".join(
        rng.choices(string.ascii_letters, k=300))) for n in range(2000)]
    path = write_xlsx(tmp_path / "big.xlsx", sheet_xml(rows))
    assert refusals(run(runner, path)) == ["row 1: file: the file unpacks to more than 1 MB"]
    assert counts() == (0, 0, 0, 0)


def test_declared_dimension_beyond_the_row_budget_is_refused_before_reading_rows(app, tmp_path, budget):
    budget("IMPORT_MAX_ROWS", 1000)
    path = write_xlsx(tmp_path / "tall.xlsx", sheet_xml([HEADER, registry_values()], dimension="A1:S5001"))
    assert read_until_refused(path) == (0, "row 1: file: the file has more than 1,000 rows")


def test_xlsx_rows_beyond_the_budget_are_refused_while_streaming(runner, tmp_path, budget):
    budget("IMPORT_MAX_ROWS", 1000)
    rows = [HEADER] + [registry_values(certificate_number=f"N-{n}", product_name=f"Sản phẩm {n}")
                       for n in range(1500)]
    path = write_xlsx(tmp_path / "tall.xlsx", sheet_xml(rows))  # no dimension: only counting tells
    assert read_until_refused(path) == (1000, "row 1: file: the file has more than 1,000 rows")
    assert refusals(run(runner, path)) == ["row 1: file: the file has more than 1,000 rows"]
    assert counts() == (0, 0, 0, 0)


def test_a_far_away_empty_row_counts_against_the_budget(app, tmp_path, budget):
    budget("IMPORT_MAX_ROWS", 1000)
    chunks = (chunk.replace(b'<row r="3">', b'<row r="1048576">') for chunk in sheet_xml(
        [HEADER, registry_values(), registry_values(certificate_number="2")]))
    path = write_xlsx(tmp_path / "far.xlsx", chunks)
    refusal, calls = python_calls_made_by(lambda: read_until_refused(path))
    assert refusal == (1, "row 1: file: the file has more than 1,000 rows")
    assert calls < 200_000  # the gap of a million rows is never walked (walking it takes millions of calls)


def test_too_many_columns_are_refused(runner, tmp_path, budget):
    path = write_xlsx(tmp_path / "wide.xlsx", sheet_xml([[*HEADER, *(f"extra {n}" for n in range(300))],
                                                         registry_values()]))
    assert refusals(run(runner, path)) == ["row 1: file: the file has more than 200 columns"]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_cell_beyond_the_cell_budget_is_refused_with_its_row_and_column(runner, tmp_path, kind):
    long_name = "Mật ong " + "x" * 10_000
    rows = [GOOD, {**GOOD, "certificate_number": "2", "product_name": long_name}]
    if kind == "csv":
        path = write_csv(tmp_path / "long.csv", rows)
    else:
        path = write_xlsx(tmp_path / "long.xlsx", sheet_xml([HEADER] + [
            [row.get(column, "") for column in HEADER] for row in rows]))
    assert refusals(run(runner, path)) == ["row 3: product_name: the cell is longer than 10,000 characters"]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_exactly_the_row_budget_passes_and_one_more_row_is_refused(app, tmp_path, budget, kind):
    budget("IMPORT_MAX_ROWS", 1000)
    for rows, refused in ((1000, False), (1001, True)):
        values = [registry_values(certificate_number=f"N-{n}") for n in range(rows)]
        if kind == "csv":
            path = write_csv(tmp_path / f"{rows}.csv", [dict(zip(HEADER, row, strict=True)) for row in values])
        else:
            path = write_xlsx(tmp_path / f"{rows}.xlsx", sheet_xml([HEADER, *values]))
        if refused:
            with pytest.raises(FileFormatError, match="more than 1,000 rows"):
                read_table(path)
        else:
            assert len(read_table(path)[1]) == rows


# --- CSV ------------------------------------------------------------------------------------------------------


def write_lines(path, header, line, count):
    """``count`` copies of ``line`` after ``header``, written a block at a time (never all in memory)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(header)
        block = line * 100_000
        for _ in range(count // 100_000):
            handle.write(block)
    return path


def test_csv_of_millions_of_rows_is_refused_at_the_default_budget_without_reading_it_all(app, tmp_path):
    path = write_lines(tmp_path / "rows.csv", "certificate_number,price_vnd,stock\n", "1,2,3\n", 5_000_000)
    refusal, read = bytes_read_by(lambda: read_until_refused(path))
    assert refusal == (100_000, "row 1: file: the file has more than 100,000 rows")
    assert read < path.stat().st_size / 10  # 30 MB on disk: the reader stops near the first 600 kB


def test_csv_rows_beyond_a_configured_budget_are_refused_by_the_importer(runner, tmp_path, budget):
    budget("IMPORT_MAX_ROWS", 1000)
    path = write_csv(tmp_path / "many.csv", [{**GOOD, "certificate_number": f"N-{n}", "product_name": f"SP {n}"}
                                             for n in range(1200)])
    assert refusals(run(runner, path)) == ["row 1: file: the file has more than 1,000 rows"]
    assert counts() == (0, 0, 0, 0)


def test_csv_beyond_the_size_budget_is_refused_before_reading(runner, tmp_path, budget, monkeypatch):
    budget("IMPORT_MAX_UNCOMPRESSED_BYTES", 1_000_000)
    path = write_lines(tmp_path / "big.csv", ",".join(HEADER) + "\n", "x," * 18 + "x\n", 100_000)
    monkeypatch.setattr(tabular.csv, "reader", lambda *a, **k: pytest.fail("the file was parsed"))
    assert refusals(run(runner, path)) == ["row 1: file: the file is larger than 1 MB"]


def test_csv_line_beyond_the_row_length_budget_is_refused(runner, tmp_path):
    path = tmp_path / "line.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(registry_values()) + "\n" + "y" * 300_000, encoding="utf-8")
    assert refusals(run(runner, path)) == ["row 3: file: the row is longer than 100,000 characters"]


def test_csv_runaway_quoted_field_is_refused(runner, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(",".join(HEADER) + '\n"unclosed,' + "z" * 5_000 + "\n" + ("w" * 5_000 + "\n") * 40,
                    encoding="utf-8")
    assert refusals(run(runner, path)) == ["row 2: file: the row is longer than 100,000 characters"]
