"""Large import files as jobs: the page keeps the file, the worker checks it, the uploader confirms, the worker imports.

Only with a queue (``jobs.queued()``) and for files of ``IMPORT_JOB_MIN_BYTES`` or more; otherwise the upload pages
check and import inside the request as before. The run's row holds the file (any app server or worker reads it), its
stage and its progress, which the worker writes on a connection of its own every ``PROGRESS_EVERY`` rows so the page
that polls sees it while the import's own transaction is still open (PostgreSQL; SQLite has one writer at a time,
so there only the end is recorded). Each task is idempotent: it acts only from the stages it expects (a retry after a
crash starts its step again; an import run twice changes nothing the second time).
"""

import tempfile
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.accounts.onboarding import rematch_pending
from marketplace.core import jobs
from marketplace.core.imports import ImportResult
from marketplace.core.tabular import Count, Reason
from marketplace.extensions import db
from marketplace.jobs.models import ImportRun
from marketplace.registry.importer import import_registry, officer_scope
from marketplace.shop.catalog.importer import import_catalog

#: Progress is written at most once per this many rows, and at most once per ``PROGRESS_SECONDS``.
PROGRESS_EVERY = 200
PROGRESS_SECONDS = 0.5
#: The problems kept on the run (the page shows the first 200 anyway).
MAX_PROBLEMS = 1000
#: Stages after which nothing more happens; the page stops refreshing.
FINAL = ("done", "refused", "crashed")


def file_size(file):
    """The size in bytes of an uploaded file (its stream is left at the start)."""
    stream = file.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def wants_job(file):
    """True when ``file`` should be checked and imported by the job worker rather than in the request."""
    return jobs.queued() and file_size(file) >= current_app.config["IMPORT_JOB_MIN_BYTES"]


def start(kind, owner, file, entity_id=None):
    """Keep ``file`` in a new run owned by ``owner`` and defer its check; the caller commits."""
    run = ImportRun(kind=kind, owner_id=owner.id, entity_id=entity_id, filename=(file.filename or "upload")[:255],
                    content=file.read(), stage="queued")
    db.session.add(run)
    db.session.flush()
    jobs.defer("imports.check", run_id=run.id)
    return run


def runs_of(user):
    """The runs ``user`` may see: their own uploads only."""
    return select(ImportRun).where(ImportRun.owner_id == user.id)


def advance(run_id, expected, target):
    """Move a run from one of the ``expected`` stages to ``target`` (a compare-and-set); True when this call won."""
    statement = (update(ImportRun).where(ImportRun.id == run_id, ImportRun.stage.in_(expected))
                 .values(stage=target).execution_options(synchronize_session=False))
    return db.session.execute(statement).rowcount == 1


def confirm(run):
    """The uploader's go after a clean check: defer the import once (a second click changes nothing)."""
    if not advance(run.id, ("checked",), "confirmed"):
        return False
    jobs.defer("imports.write", run_id=run.id)
    return True


def stored_problem(problem):
    """A ``(line, column, reason)`` problem as JSON: a translatable reason keeps its message and values."""
    line, column, reason = problem
    if not isinstance(reason, Reason):
        return [line, column, str(reason)]
    values = {name: {"count": int(value)} if isinstance(value, Count) else value
              for name, value in reason.values.items()}
    return [line, column, {"message": reason.message, "values": values}]


def loaded_problem(stored):
    """The problem again, its reason translatable on the page like a fresh one."""
    line, column, reason = stored
    if isinstance(reason, dict):
        values = {name: Count(value["count"]) if isinstance(value, dict) else value
                  for name, value in reason["values"].items()}
        reason = Reason(reason["message"], **values)
    return (line, column, reason)


def result_of(run):
    """The run's outcome as an :class:`ImportResult` (what the upload page shows)."""
    problems = [loaded_problem(problem) for problem in run.problems or []]
    return ImportResult(created=run.created, updated=run.updated, unchanged=run.unchanged, problems=problems)


def as_json(run):
    """What the page polls: the stage, the progress and, at the end, the counts."""
    return {"id": run.id, "kind": run.kind, "stage": run.stage, "phase": run.phase, "done": run.done,
            "total": run.total, "finished": run.stage in FINAL or run.stage == "checked",
            "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
            "problems": run.problem_count}


class Progress:
    """The ``progress(items, label)`` hook of the importers, writing how far the run got on its own connection."""

    def __init__(self, run_id):
        self.run_id = run_id
        self.live = db.session.get_bind().dialect.name == "postgresql"
        self.last = 0.0

    def __call__(self, items, label):
        """Pass ``items`` through, counting them (``total`` is known for lists: the writing phase)."""
        total = len(items) if hasattr(items, "__len__") else None
        self.write(label, 0, total)
        return self.counting(items, label, total)

    def counting(self, items, label, total):
        """Yield each item, writing the count every ``PROGRESS_EVERY`` rows (and once at the end)."""
        done = 0
        for done, item in enumerate(items, start=1):
            if done % PROGRESS_EVERY == 0 and time.monotonic() - self.last >= PROGRESS_SECONDS:
                self.write(label, done, total)
            yield item
        self.write(label, done, total)

    def write(self, phase, done, total):
        """Record the phase and the count, committed at once apart from the import's transaction (PostgreSQL)."""
        if not self.live:
            return
        self.last = time.monotonic()
        with db.engine.begin() as connection:
            connection.execute(update(ImportRun).where(ImportRun.id == self.run_id)
                               .values(phase=phase, done=done, total=total))


def execute(run, dry_run):
    """Check (``dry_run``) or import the run's file; return the :class:`ImportResult`."""
    owner = db.session.get(User, run.owner_id)
    suffix = Path(run.filename).suffix.lower() if Path(run.filename).suffix.lower() in (".csv", ".xlsx") else ".csv"
    progress = Progress(run.id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"run-{run.id}{suffix}"
        path.write_bytes(run.content or b"")
        if run.kind == "registry":
            return import_registry(path, dry_run=dry_run, actor=owner.email, check_row=officer_scope(owner),
                                   progress=progress, after_write=None if dry_run else rematch_pending)
        return import_catalog(path, dry_run=dry_run, actor=owner.email, entity_id=run.entity_id, progress=progress)


def finish(run_id, result, stage):
    """Record the outcome; the file is dropped once nothing more will be done with it."""
    values = {"stage": stage, "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
              "problems": [stored_problem(problem) for problem in result.problems[:MAX_PROBLEMS]],
              "problem_count": len(result.problems)}
    if stage in FINAL:
        values["content"] = None
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def step(run_id, expected, working, dry_run):
    """Move the run to ``working`` (committed, so the page sees it), run the importer, record the outcome."""
    if not advance(run_id, expected, working):
        return  # already done, or not this step's turn: a repeated job changes nothing
    db.session.commit()
    run = db.session.get(ImportRun, run_id)
    try:
        result = execute(run, dry_run)
    except Exception:
        db.session.rollback()
        advance(run_id, (working,), "crashed")
        db.session.commit()
        raise
    finish(run_id, result, ("checked" if dry_run else "done") if result.ok else "refused")


@jobs.task("imports.check", retries=2)
def check(run_id):
    """The dry run of a kept file: its report, and the counts an import would give."""
    step(run_id, ("queued", "checking", "crashed"), "checking", dry_run=True)


@jobs.task("imports.write", retries=2)
def write(run_id):
    """Import a checked file the uploader confirmed (re-importing it would change nothing)."""
    step(run_id, ("confirmed", "importing", "crashed"), "importing", dry_run=False)
