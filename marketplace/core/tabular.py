"""Tables in and out: import files read row by row within budgets, with their own line numbers; exports with safe cells.

An import file is read lazily (``open_table``) and refused, before it is parsed, when it is beyond a budget: rows,
columns, characters in a cell or a CSV row, bytes on disk or unpacked from an XLSX zip, and how tightly the zip
packs them. Problems are ``row N: column: reason``; the reason is English in ``str()`` (the command line) and
translated by ``Reason.translated()`` (the upload pages).

Every CSV or XLSX export goes through ``csv_bytes``/``xlsx_bytes``, so text from people that would start a
formula (``= + - @``, tab, CR) is neutralised in CSV and stored as text in XLSX.
"""

import codecs
import csv
import io
import logging
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from marketplace.core.text import nfc

logger = logging.getLogger(__name__)

#: Import budgets; the app's config may override each one (``IMPORT_MAX_ROWS``...). Rows are data rows (the header
#: is not counted); a CSV row is counted in characters across its lines; bytes are a CSV file's size, or everything
#: an XLSX zip holds once unpacked.
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
MAX_ROW_CHARS = 100_000
MAX_UNCOMPRESSED_BYTES = 200_000_000
#: A part of an XLSX zip larger than ``PACKED_PART_FLOOR`` may unpack to at most this many times its packed size
#: (real sheets: about 5 to 20; a zip bomb: a thousand).
MAX_PACKING_RATIO = 100
PACKED_PART_FLOOR = 1_000_000
_UTF8_PROBE = 65_536  #: bytes of a CSV decoded before anything else, so a file in another encoding is named at once


class Count(int):
    """A whole number in a message, grouped as each language writes it (100,000 / 100.000)."""


class Reason:
    """Why a row or a file is refused: English in ``str()`` for the command line, ``translated()`` on pages.

    Write them ``N_("... %(name)s ...", name=value)``: ``N_`` is one of pybabel's default keywords, so the
    message reaches the catalogue while the translation waits until a page shows it.
    """

    __slots__ = ("message", "values")

    def __init__(self, message, **values):
        self.message, self.values = message, values

    def __str__(self):
        if not self.values:
            return self.message
        return self.message % {name: f"{value:,}" if isinstance(value, Count) else value
                               for name, value in self.values.items()}

    def __repr__(self):
        return f"Reason({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Reason) and (self.message, self.values) == (other.message, other.values)

    def __hash__(self):
        return hash(self.message)

    def translated(self):
        """The reason in the current request's language."""
        return gettext(self.message, **{name: format_decimal(value) if isinstance(value, Count) else value
                                        for name, value in self.values.items()})


N_ = Reason

NOT_READABLE = N_("not UTF-8 or a valid XLSX")


def translated(reason):
    """A reason (a :class:`Reason`, or plain text shown as it is) in the current request's language."""
    return reason.translated() if isinstance(reason, Reason) else str(reason)


def problem_line(problem, translate=False):
    """``row N: column: reason`` for a ``(line, column, reason)`` problem, in English or translated."""
    line, column, reason = problem
    return f"row {line}: {column}: {translated(reason) if translate else reason}"


class FileFormatError(ValueError):
    """The file cannot be read as a table, or is beyond a budget: its one problem, ``row N: column: reason``."""

    def __init__(self, reason, line=1, column="file"):
        super().__init__(problem_line((line, column, reason)))
        self.problem = (line, column, reason)


@dataclass
class RowErrors:
    """Validation errors collected over a whole file, reported as ``row N: column: reason``."""

    items: list = field(default_factory=list)

    def add(self, line, column, reason):
        """Record one problem with ``column`` on file line ``line`` (the header is line 1)."""
        self.items.append((line, column, reason))

    def __bool__(self):
        return bool(self.items)

    def problems(self):
        """The ``(line, column, reason)`` problems in file order."""
        return sorted(self.items, key=lambda e: e[0])

    def lines(self):
        """The errors as report lines, in file order."""
        return [problem_line(problem) for problem in self.problems()]


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


#: The config setting that overrides each budget.
_SETTINGS = {"rows": "IMPORT_MAX_ROWS", "columns": "IMPORT_MAX_COLUMNS", "cell_chars": "IMPORT_MAX_CELL_CHARS",
             "row_chars": "IMPORT_MAX_ROW_CHARS", "unpacked_bytes": "IMPORT_MAX_UNCOMPRESSED_BYTES",
             "packing_ratio": "IMPORT_MAX_PACKING_RATIO"}


@dataclass(frozen=True)
class Budget:
    """What an import file may hold: the module's defaults, or the app's ``IMPORT_MAX_*`` settings."""

    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS
    row_chars: int = MAX_ROW_CHARS
    unpacked_bytes: int = MAX_UNCOMPRESSED_BYTES
    packing_ratio: int = MAX_PACKING_RATIO

    @classmethod
    def current(cls):
        """The budget in force: the defaults, overridden by the current app's config when there is one."""
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(**{name: int(config.get(setting, getattr(cls, name))) for name, setting in _SETTINGS.items()})

    def too_many_rows(self):
        """The refusal of a file with more data rows than the budget."""
        return FileFormatError(N_("the file has more than %(rows)s rows", rows=Count(self.rows)))

    def check_header(self, header):
        """Refuse a header wider than the column budget."""
        if len(header) > self.columns:
            raise FileFormatError(N_("the file has more than %(columns)s columns", columns=Count(self.columns)))

    def row(self, header, values, line):
        """The row's cells by column name (cells beyond the header are ignored); a too long cell refuses the file."""
        cells = {}
        for name, value in zip(header, values, strict=False):
            if isinstance(value, str) and len(value) > self.cell_chars:
                raise FileFormatError(N_("the cell is longer than %(chars)s characters", chars=Count(self.cell_chars)),
                                      line, name or "file")
            cells[name] = _clean(value)
        return cells

    def megabytes(self):
        """The byte budget in whole megabytes, for messages."""
        return Count(max(1, round(self.unpacked_bytes / 1_000_000)))


def _header(cells):
    header = [nfc(str(cell or "")).lstrip("\ufeff").strip().lower() for cell in cells]
    while header and not header[-1]:
        header.pop()
    return header


@contextmanager
def open_table(path):
    """``(header, rows)`` of a CSV or XLSX file, ``rows`` yielding ``(line, row dict)`` lazily, within the budget.

    An XLSX file is recognised by its extension or its content (a zip), anything else is read as UTF-8 CSV.
    Raises :class:`FileFormatError`, on entering or while rows are read, for a file that is not a table or is
    beyond the budget; nothing beyond the budget is read first.
    """
    budget = Budget.current()
    opener = _open_xlsx if _is_xlsx(path) else _open_csv
    with opener(path, budget) as table:
        yield table


def read_table(path):
    """Header and the list of ``(line, row dict)`` pairs of a CSV or XLSX file (see :func:`open_table`)."""
    with open_table(path) as (header, rows):
        return header, list(rows)


def _is_xlsx(path):
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError as error:
        raise FileFormatError(NOT_READABLE) from error


# --- CSV ------------------------------------------------------------------------------------------------------


class _RowTooLongError(Exception):
    """A CSV row (one line, or a quoted cell running over several) beyond the character budget."""


class _Lines:
    """The lines of a text file for ``csv.reader``, never more than the row budget read at once.

    Counts the characters of the row being read (a quoted cell may run over lines) and where that row started.
    """

    def __init__(self, handle, limit):
        self.handle, self.limit = handle, limit
        self.number = self.start = 0
        self.pending = 0

    def __iter__(self):
        return self

    def __next__(self):
        line = self.handle.readline(self.limit + 3)
        if not line:
            raise StopIteration
        self.number += 1
        self.pending += len(line.rstrip("\r\n"))
        if self.pending > self.limit:
            raise _RowTooLongError
        return line

    def next_row(self):
        """The row read so far is complete: the next one starts on the next line."""
        self.start, self.pending = self.number + 1, 0


@contextmanager
def _csv_errors(lines, budget):
    """What goes wrong while reading CSV text, as the file's one problem."""
    try:
        yield
    except _RowTooLongError:
        raise FileFormatError(N_("the row is longer than %(chars)s characters", chars=Count(budget.row_chars)),
                              max(lines.start, 1)) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise FileFormatError(NOT_READABLE) from error


def _check_csv_file(path, budget):
    """Refuse, before reading, a file beyond the size budget or whose first bytes are not UTF-8."""
    try:
        size = Path(path).stat().st_size
        with open(path, "rb") as handle:
            start = handle.read(_UTF8_PROBE)
        codecs.getincrementaldecoder("utf-8")().decode(start, final=len(start) < _UTF8_PROBE)
    except (OSError, UnicodeDecodeError) as error:
        raise FileFormatError(NOT_READABLE) from error
    if size > budget.unpacked_bytes:
        raise FileFormatError(N_("the file is larger than %(megabytes)s MB", megabytes=budget.megabytes()))


@contextmanager
def _open_csv(path, budget):
    _check_csv_file(path, budget)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle, budget.row_chars)
        with _csv_errors(lines, budget):
            first_line = handle.readline(budget.row_chars + 3)
            handle.seek(0)
            reader = csv.reader(lines, delimiter=max(",;\t", key=first_line.count))
            lines.next_row()
            header = _header(next(reader, []))
        budget.check_header(header)
        yield header, _csv_rows(reader, lines, header, budget)


def _csv_rows(reader, lines, header, budget):
    with _csv_errors(lines, budget):
        lines.next_row()
        for count, values in enumerate(reader, start=1):
            if count > budget.rows:
                raise budget.too_many_rows()
            line = lines.start  # a quoted cell may span lines: the row is reported where it starts
            lines.next_row()
            if any(values):
                yield line, budget.row(header, values, line)


# --- XLSX -----------------------------------------------------------------------------------------------------


def _check_archive(path, budget):
    """Refuse a zip that unpacks beyond the budget, or far more tightly than a spreadsheet, before unpacking it.

    The sizes are what the zip declares: ``zipfile`` never gives more than a part declares (and fails its CRC).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileFormatError(NOT_READABLE) from error
    for part in parts:
        if part.file_size > PACKED_PART_FLOOR and part.file_size > budget.packing_ratio * part.compress_size:
            raise FileFormatError(N_("the file unpacks to %(ratio)s times its size, more than a spreadsheet does",
                                     ratio=Count(part.file_size // max(part.compress_size, 1))))
    if sum(part.file_size for part in parts) > budget.unpacked_bytes:
        raise FileFormatError(N_("the file unpacks to more than %(megabytes)s MB", megabytes=budget.megabytes()))


@contextmanager
def _xlsx_errors():
    """Whatever openpyxl raises on a malformed workbook (zip, XML, missing parts...) is one problem: not an XLSX."""
    try:
        yield
    except FileFormatError:
        raise
    except Exception as error:  # a broken file can fail anywhere inside openpyxl: never a 500
        logger.info("unreadable XLSX: %r", error)
        raise FileFormatError(NOT_READABLE) from error


@contextmanager
def _open_xlsx(path, budget):
    _check_archive(path, budget)
    with open(path, "rb") as handle:  # a file object: openpyxl refuses a file name that does not end in .xlsx
        with _xlsx_errors():
            workbook = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        try:
            with _xlsx_errors():
                sheet = workbook.worksheets[0]
                if (sheet.max_row or 0) > budget.rows + 1:  # the dimension the sheet declares
                    raise budget.too_many_rows()
                sheet.reset_dimensions()  # a declared dimension may be too small too: read what is there, counting
                header = _header(next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()))
            budget.check_header(header)
            yield header, _xlsx_rows(sheet, header, budget)
        finally:
            workbook.close()


def _xlsx_rows(sheet, header, budget):
    with _xlsx_errors():
        rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
        for line, values in enumerate(rows, start=2):  # openpyxl yields missing rows empty: lines stay true
            if line > budget.rows + 1:
                raise budget.too_many_rows()
            if any(cell not in (None, "") for cell in values):
                yield line, budget.row(header, values, line)


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
