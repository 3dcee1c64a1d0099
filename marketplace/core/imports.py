"""What every import shares: the result line, the whole-file-first flow and the dry run."""

from dataclasses import dataclass, field

from marketplace.core.tabular import FileFormatError, RowErrors, open_table, problem_line
from marketplace.extensions import db


@dataclass
class ImportResult:
    """Counts by row, and the problems (``(line, column, reason)``, in file order) when the file was refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        """True when the file was valid (and, unless a dry run, written)."""
        return not self.problems

    @property
    def errors(self):
        """The problems as contract §1 prints them: ``row N: column: reason``, in English."""
        return [problem_line(problem) for problem in self.problems]

    def translated_errors(self, limit=None):
        """The first ``limit`` lines (all by default) with each reason in the current request's language."""
        return [problem_line(problem, translate=True) for problem in self.problems[:limit]]

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
    """Read ``path`` within the import budget; parse and validate every row; write only when all are valid.

    A dry run is rolled back after its counts are computed.
    ``parse_row(line, cells, errors)`` returns a row object or None; ``validate(rows, errors)`` checks
    across rows and against the database; ``write(rows, result, progress)`` flushes the changes. A file that is
    not a table, or is beyond the budget, is refused with that one problem (``row 1: file: ...``).
    """
    errors = RowErrors()
    progress = progress or (lambda items, label: items)
    try:
        with open_table(path) as (header, cells):
            check_header(header, required, errors)
            if errors:
                return ImportResult(problems=errors.problems())
            rows = [row for line, row_cells in progress(cells, "validating")
                    if (row := parse_row(line, row_cells, errors)) is not None]
    except FileFormatError as error:
        return ImportResult(problems=[error.problem])
    validate(rows, errors)
    if errors:
        return ImportResult(problems=errors.problems())
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
