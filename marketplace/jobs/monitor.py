"""What admins see of the jobs: failed and retrying ones with their last error, and a retry for a failed job."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, text

from marketplace.core import jobs
from marketplace.core.db import utcnow
from marketplace.core.errors import Refused
from marketplace.extensions import db
from marketplace.jobs.models import JobFailure

LIMIT = 100
#: Failed jobs (retries spent) and jobs waiting for their next attempt after a failure, newest first.
PROBLEM_JOBS = text("SELECT id, task_name, status::text AS status, attempts, scheduled_at, args "
                    "FROM procrastinate_jobs WHERE status = 'failed' OR (status = 'todo' AND attempts > 0) "
                    "ORDER BY id DESC LIMIT :limit")
COUNTS = text("SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status")


@dataclass
class ProblemJob:
    """A job that failed at least once: ``failed`` (no retry left) or ``retrying`` (at ``next_at``)."""

    job_id: int | None
    task: str
    state: str
    attempts: int
    next_at: datetime | None
    args: dict
    error: str
    failed_at: datetime | None


def failures_of(job_ids):
    """The last recorded failure of each job id: ``{job_id: JobFailure}``."""
    failures = {}
    for failure in db.session.scalars(select(JobFailure).where(JobFailure.job_id.in_(job_ids))
                                      .order_by(JobFailure.id)):
        failures[failure.job_id] = failure
    return failures


def problem_jobs(limit=LIMIT):
    """Failed and retrying jobs of the queue, or the recent failures of inline jobs when there is no queue."""
    if not jobs.queued():
        return [ProblemJob(None, failure.task, "failed", failure.attempt, None, failure.args, failure.error,
                           failure.at)
                for failure in db.session.scalars(select(JobFailure).where(JobFailure.job_id.is_(None))
                                                  .order_by(JobFailure.id.desc()).limit(limit))]
    rows = db.session.execute(PROBLEM_JOBS, {"limit": limit}).mappings().all()
    failures = failures_of([row["id"] for row in rows])
    return [ProblemJob(row["id"], row["task_name"], "failed" if row["status"] == "failed" else "retrying",
                       row["attempts"], row["scheduled_at"] if row["status"] == "todo" else None, row["args"],
                       failures[row["id"]].error if row["id"] in failures else "",
                       failures[row["id"]].at if row["id"] in failures else None)
            for row in rows]


def counts():
    """Jobs by status (``todo``, ``doing``, ``succeeded``, ``failed``…); empty without a queue."""
    if not jobs.queued():
        return {}
    return {row.status: row.n for row in db.session.execute(COUNTS)}


def retry(job_id):
    """Put a failed job back in the queue to run now (one more attempt); the caller commits."""
    if not jobs.queued():
        raise Refused(_("Jobs run inline here: there is no queue to retry from."))
    status = db.session.scalar(text("SELECT status::text FROM procrastinate_jobs WHERE id = :id FOR UPDATE"),
                               {"id": job_id})
    if status != "failed":
        raise Refused(_("Only a failed job can be retried."))
    db.session.execute(text("SELECT procrastinate_retry_job_v2(:id, :at, NULL, NULL, NULL)"),
                       {"id": job_id, "at": utcnow()})
