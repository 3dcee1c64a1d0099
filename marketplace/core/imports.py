"""What every import shares: the result line, the whole-file-first flow and the dry run."""

from dataclasses import dataclass, field

from marketplace.core.tabular import FileFormatError, RowErrors, read_table
from marketplace.extensions import db


@dataclass
class ImportResult:
    """Counts by row, and the error lines when the file was refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        """True when the file was valid (and, unless a dry run, written)."""
        return not self.errors

    def summary(self):
        """The one summary line of contract §1."""
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    def count(self, outcome):
        """Add one row with ``outcome`` (created, updated or unchanged)."""
        setattr(self, outcome, getattr(self, outcome) + 1)


def check_header(header, required, errors):
    """Report each required column missing from the header (line 1)."""
    for column in required:
        if column not in header:
            errors.add(1, column, "missing column")


def run_import(path, required, parse_row, validate, write, dry_run=False, progress=None):
    """Read ``path``; parse and validate every row; write only when all are valid; roll back a dry run.

    ``parse_row(line, cells, errors)`` returns a row object or None; ``validate(rows, errors)`` checks
    across rows and against the database; ``write(rows, result)`` flushes the changes.
    """
    errors = RowErrors()
    try:
        header, cells = read_table(path)
    except FileFormatError as error:
        return ImportResult(errors=[f"row 1: file: {error}"])
    check_header(header, required, errors)
    if errors:
        return ImportResult(errors=errors.lines())
    progress = progress or (lambda items, label: items)
    rows = [row for line, row_cells in progress(cells, "validating")
            if (row := parse_row(line, row_cells, errors)) is not None]
    validate(rows, errors)
    if errors:
        return ImportResult(errors=errors.lines())
    result = ImportResult()
    try:
        write(rows, result, progress)
        db.session.flush()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
