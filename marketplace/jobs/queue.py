"""The job queue: procrastinate on the PostgreSQL database, chosen by ``JOB_QUEUE=procrastinate``.

A deferred job is a row of ``procrastinate_jobs`` written on the SQLAlchemy session's own connection, inside the
caller's transaction (procrastinate's ``connection=`` option): a rollback drops it, a commit makes it visible to the
worker, which runs it at least once. The worker (``flask jobs worker``) uses procrastinate's psycopg connector, runs
each job in an application context (``core.jobs.run``: the task, then commit), retries a failing job with exponential
backoff and keeps the schedule below. Without a queue (``JOB_QUEUE=inline``, the default) jobs run in-process after
commit and cron keeps the schedule. The schema comes from a migration (PostgreSQL only).
"""

import procrastinate
from flask import current_app
from procrastinate.manager import JobManager
from procrastinate.tasks import configure_task
from sqlalchemy.engine import make_url

from marketplace.config import ConfigError
from marketplace.core import jobs, mail  # noqa: F401  (mail registers send_mail)
from marketplace.extensions import db
from marketplace.jobs import imports, scheduled  # noqa: F401  (their tasks register)
from marketplace.jobs.models import JobFailure

#: The settings ``JOB_QUEUE`` may name.
QUEUES = ("inline", "procrastinate")
#: Periodic work: (task, cron in UTC, what it is). Vietnam is UTC+7 all year, so 17:05 UTC is 00:05 there.
SCHEDULE = (("certificates.sweep", "5 17 * * *", "daily sweep, 00:05 Asia/Ho_Chi_Minh"),
            ("orders.expire", "* * * * *", "unpaid orders whose reservation lapsed"),
            ("payments.reconcile", "*/10 * * * *", "card payments stuck in pending"),
            ("search.sync", "* * * * *", "queued index changes (Whoosh)"),
            ("stats.flush_views", "* * * * *", "product views and recently viewed products waiting (core/pending)"),
            ("returns.escalate", "7 * * * *", "returns past the producer's or the buyer's deadline"),
            ("opendata.export", "30 17 * * *", "open-data downloads of all certificates, 00:30 Asia/Ho_Chi_Minh"))
#: A worker that starts after a missed tick still defers it when it is this recent (the sweep after a night's outage);
#: each tick is deferred once whatever the number of workers (procrastinate's periodic_defers table).
CATCH_UP_SECONDS = 24 * 3600
#: Retries wait RETRY_BASE ** (attempt + 1) seconds: 3, 9, 27, 81, 243 … (about 55 minutes over 7 retries).
RETRY_BASE = 3


def conninfo(database_url):
    """The libpq address of a SQLAlchemy database URL (``postgresql+psycopg://…`` → ``postgresql://…``)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("JOB_QUEUE=procrastinate needs a PostgreSQL DATABASE_URL (the jobs live in its tables)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ProcrastinateQueue:
    """The procrastinate app of one Flask app: every registered task, the schedule, and enqueueing in a session."""

    def __init__(self, flask_app, database_url, schedule=SCHEDULE):
        self.flask_app = flask_app
        address = conninfo(database_url)
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=address),
                                     periodic_defaults={"max_delay": CATCH_UP_SECONDS})
        #: Deferring always goes through the caller's own (synchronous) connection, also inside the worker, whose
        #: connector is asynchronous: a synchronous connector that is never opened runs procrastinate's defer SQL.
        self.deferrer = JobManager(procrastinate.SyncPsycopgConnector(conninfo=address))
        periodic = {name for name, _cron, _what in schedule}
        tasks = {task.name: self.register(task, task.name in periodic) for task in jobs.TASKS.values()}
        for name, cron, _what in schedule:
            self.app.periodic(cron=cron, periodic_id=name, queueing_lock=name)(tasks[name])

    def register(self, task, periodic):
        """The procrastinate task running ``task`` in an application context, retried with exponential backoff."""

        def run_job(context, **args):
            if periodic:
                args.pop("timestamp", None)  # the schedule's tick: the tasks work on "now" anyway
            with self.flask_app.app_context():
                jobs.run(task.name, args, context.job)

        retry = procrastinate.RetryStrategy(max_attempts=task.retries, exponential_wait=RETRY_BASE)
        return self.app.task(name=task.name, pass_context=True, queue=task.queue,
                             retry=retry if task.retries else False)(run_job)

    def enqueue(self, session, name, args):
        """Write the job in ``session``'s transaction (procrastinate's defer SQL on its connection); return its id."""
        task = self.app.tasks.get(name) or self.register(jobs.TASKS[name], periodic=False)  # registered late
        connection = session.connection().connection.driver_connection
        return configure_task(name=name, job_manager=self.deferrer, queue=task.queue, priority=task.priority,
                              lock=task.lock, queueing_lock=task.queueing_lock, connection=connection).defer(**args)

    def run_worker(self, **options):
        """Run the worker until stopped (``wait=False``: until the queue is empty)."""
        self.app.run_worker(**options)


def record_failure(name, args, error, job):
    """Keep a failed attempt for admins (its own transaction, after the job's was rolled back)."""
    attempt = (job.attempts + 1) if job is not None else 1
    db.session.add(JobFailure(job_id=job.id if job is not None else None, task=name, args=args, attempt=attempt,
                              error=error[:4000]))
    db.session.commit()


def install(app):
    """Run jobs inline after commit, or on procrastinate when ``JOB_QUEUE=procrastinate``."""
    jobs.install()
    app.extensions[jobs.FAILURES] = record_failure
    choice = app.config.get("JOB_QUEUE") or "inline"
    if choice not in QUEUES:
        raise ConfigError(f"JOB_QUEUE must be one of {', '.join(QUEUES)}, not {choice!r}")
    if choice == "procrastinate":
        app.extensions[jobs.QUEUE] = ProcrastinateQueue(app, app.config["SQLALCHEMY_DATABASE_URI"])
    return app.extensions.get(jobs.QUEUE)


def the_queue():
    """The installed queue of the current app, or None (inline)."""
    return current_app.extensions.get(jobs.QUEUE)
