"""What the job queue keeps beside its own tables: failed attempts (for admins) and large imports with progress."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from marketplace.core.db import TimestampMixin, utcnow
from marketplace.extensions import db

#: The stages of an import run: waiting, checking the file (dry run), checked (waiting for the uploader's go),
#: waiting to import, importing, done; ``refused`` (the file has problems) and ``crashed`` (the job failed) end it.
IMPORT_STAGES = ("queued", "checking", "checked", "confirmed", "importing", "done", "refused", "crashed")
#: The kinds of file an import run holds.
IMPORT_KINDS = ("registry", "listings")


class JobFailure(db.Model):
    """One failed attempt of a job: what ran, the error, and whether the queue tries again (shown at /admin/jobs)."""

    __tablename__ = "job_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The queue's job id (``procrastinate_jobs.id``); None for a job that ran inline.
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    task: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict] = mapped_column(JSON)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportRun(TimestampMixin, db.Model):
    """A large registry or listing file checked, then imported, by the job worker while its page shows progress.

    The file itself is kept in the row (any app server or worker can read it) and dropped once the run ends.
    """

    __tablename__ = "import_run"
    __table_args__ = (CheckConstraint(f"stage IN {IMPORT_STAGES}", name="stage"),
                      CheckConstraint(f"kind IN {IMPORT_KINDS}", name="kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: The vendor's entity (listing files only).
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    #: What the worker is doing now (``validating`` or ``writing``) and how many rows it has done of ``total``.
    phase: Mapped[str | None] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    #: The file's problems as ``[line, column, reason]`` (the first ones), when it was refused.
    problems: Mapped[list | None] = mapped_column(JSON)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
