"""Reading import files (CSV or XLSX) row by row, with the file's own line numbers."""

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

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
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


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
