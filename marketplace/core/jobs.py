"""Background jobs: task functions registered by name, and ``defer(name, **args)`` to run one after commit.

A job belongs to the transaction that deferred it. Without a queue (``JOB_QUEUE=inline``, the default) it runs in
this process as soon as the session's transaction commits, and is dropped when it rolls back. With a queue
(``marketplace/jobs/queue.py`` installs one on PostgreSQL), the job row is written in that same transaction: a
rolled-back change never runs its job and a committed one runs at least once, on the worker (``flask jobs worker``).
Either way the caller commits: a job deferred by a request that never commits never runs.

Tasks are registered where they live (``@jobs.task("send_mail")``); their arguments must be JSON values. A task is
one unit of work: the runner commits after it returns and rolls back when it raises. Tasks must be idempotent, since
a queued job may run again after a crash or a retry.
"""

import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

log = logging.getLogger(__name__)

#: Every task by name; the worker knows the same ones (``marketplace/jobs/queue.py`` imports their modules).
TASKS = {}
#: Where a queue installs itself on the application (``app.extensions[QUEUE]``); absent means inline.
QUEUE = "job_queue"
#: Where failures are recorded (``app.extensions[FAILURES]``: a callable ``(task name, args, error text, job)``).
FAILURES = "job_failures"
PENDING, READY = "jobs.pending", "jobs.ready"


@dataclass(frozen=True)
class Task:
    """A registered task: its name, function, how many times a failed job is tried again, and its queue."""

    name: str
    func: Callable
    retries: int = 5
    queue: str = "default"


def task(name, retries=5, queue="default"):
    """Register the decorated function as the task ``name`` (``retries``: further attempts when it fails, queued)."""

    def register(func):
        TASKS[name] = Task(name, func, retries, queue)
        return func

    return register


def queued():
    """True when jobs go to a queue (a worker runs them); False when they run inline after commit."""
    return current_app.extensions.get(QUEUE) is not None


def defer(name, **args):
    """Run the task ``name`` with ``args`` once the current transaction commits: inline, or on the queue's worker."""
    if name not in TASKS:
        raise KeyError(f"unknown task: {name}")
    json.dumps(args)  # a job's arguments travel as JSON: refuse anything else here, in both modes
    queue = current_app.extensions.get(QUEUE)
    if queue is not None:
        return queue.enqueue(db.session, name, args)
    session = db.session()
    session.connection()  # join (or begin) the transaction the job belongs to
    session.info.setdefault(PENDING, []).append((name, args))
    return None


def run(name, args, job=None):
    """Run one job now: the task, then commit; on an error roll back, record it (admins see it) and raise."""
    try:
        TASKS[name].func(**args)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        record_failure(name, args, error, job)
        raise


def record_failure(name, args, error, job=None):
    """Log a failed job and hand it to the installed recorder (a row admins see at /admin/jobs)."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    log.error("job %s failed: %s", name, text, exc_info=error)
    recorder = current_app.extensions.get(FAILURES)
    if recorder is None:
        return
    try:
        recorder(name, args, text, job)
    except Exception:  # the failure must still reach the caller even when it cannot be recorded
        db.session.rollback()
        log.exception("could not record the failure of job %s", name)


def _committed(session):
    """The transaction committed: its inline jobs are ready to run."""
    if session.info.get(PENDING):
        session.info.setdefault(READY, []).extend(session.info.pop(PENDING))


def _ended(session, transaction):
    """A root transaction ended: run the jobs it committed, drop those of a rollback; raise the first failure."""
    if transaction.parent is not None:
        return
    session.info.pop(PENDING, None)
    ready = session.info.pop(READY, [])
    first_error = None
    for name, args in ready:
        try:
            run(name, args)
        except Exception as error:  # the next jobs still run; the caller hears of the first failure
            first_error = first_error or error
    if first_error is not None:
        raise first_error


def install():
    """Run inline jobs after commit (idempotent: SQLAlchemy session events, once per process)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _ended)
