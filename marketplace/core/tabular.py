"""Tables in and out: import files read row by row with their own line numbers; exports with safe cells.

Every CSV or XLSX export goes through ``csv_bytes``/``xlsx_bytes``, so text from people that would start a
formula (``= + - @``, tab, CR) is neutralised in CSV and stored as text in XLSX.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from marketplace.core.text import nfc


class FileFormatError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass
class RowErrors:
    """Validation errors collected over a whole file, reported as ``row N: column: reason``."""

    items: list = field(default_factory=list)

    def add(self, line, column, reason):
        """Record one problem with ``column`` on file line ``line`` (the header is line 1)."""
        self.items.append((line, column, reason))

    def __bool__(self):
        return bool(self.items)

    def lines(self):
        """The errors as report lines, in file order."""
        return [f"row {line}: {column}: {reason}" for line, column, reason in sorted(self.items, key=lambda e: e[0])]


def _clean(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value).strip()
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value  # our own export's guard


#: A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A CSV cell that no spreadsheet program runs: text that would start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(sections):
    """``(title, header, rows)`` sections as UTF-8 CSV with a BOM (Excel reads it); a None title means one table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for title, header, rows in sections:
        if title is not None:
            writer.writerow([safe_cell(title)])
        writer.writerow([safe_cell(cell) for cell in header])
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)
        if title is not None:
            writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sections):
    """``(title, header, rows)`` sections as an XLSX workbook, a sheet each; text is always stored as text."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sections:
        sheet = workbook.create_sheet((title or "Sheet1")[:31])
        for row in (header, *rows):
            sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    """A write-only cell; strings are typed as strings so ``=HYPERLINK(…)`` stays text, never a live formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _header(cells):
    return [nfc(str(cell or "")).lstrip("\ufeff").strip().lower() for cell in cells]


def read_csv(path):
    """Header and ``(line, row dict)`` pairs of a UTF-8 CSV file (BOM allowed)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
        handle.seek(0)
        delimiter = max(",;\t", key=first_line.count)
        reader = csv.reader(handle, delimiter=delimiter)
        header = _header(next(reader, []))
        rows, previous_end = [], reader.line_num
        for row in reader:
            rows.append((previous_end + 1, row))  # a quoted field may span lines: report where the row starts
            previous_end = reader.line_num
    return header, [(line, dict(zip(header, map(_clean, row), strict=False))) for line, row in rows if any(row)]


def read_xlsx(path):
    """Header and ``(line, row dict)`` pairs of the first worksheet of an XLSX file."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = _header(next(rows, ()))
        result = [(line, dict(zip(header, map(_clean, row), strict=False)))
                  for line, row in enumerate(rows, start=2) if any(cell not in (None, "") for cell in row)]
    finally:
        workbook.close()
    return header, result


def read_table(path):
    """Read a CSV or XLSX file by its extension; raise FileFormatError when it cannot be read."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(path)
        return read_csv(path)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as error:
        raise FileFormatError(f"cannot read {Path(path).name}: {error}") from error


def text(row, column):
    """The cell as stripped text ('' when empty); spreadsheet numbers lose a trailing ``.0``."""
    value = row.get(column, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(value)


def multiline(row, column):
    """The cell as NFC text keeping its line breaks (for descriptions); trailing spaces trimmed per line."""
    value = row.get(column, "")
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()
