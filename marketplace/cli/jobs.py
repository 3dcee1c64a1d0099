"""`flask jobs worker|list|retry|schedule` (contract §1): the job queue's worker and what it holds."""

import logging
import sys

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs (mail, large imports, scheduled work).")


def queue_or_exit():
    """The configured queue; without one, say that jobs run inline and exit 1."""
    from marketplace.jobs.queue import the_queue

    queue = the_queue()
    if queue is None:
        click.echo("no job queue configured (JOB_QUEUE=inline): jobs run inline, after each commit, in the process "
                   "that deferred them; set JOB_QUEUE=procrastinate (PostgreSQL) to run a worker", err=True)
        sys.exit(1)
    return queue


@jobs_cli.command("worker")
@click.option("--queue", "queues", multiple=True, help="Only these queues (default: all).")
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once (in threads).")
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then exit (scripts, tests).")
def worker(queues, concurrency, once):
    """Run queued jobs and the schedule (sweep, expiry, reconciliation, search sync) until stopped."""
    queue = queue_or_exit()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"job worker: queues {', '.join(queues) or 'all'}, concurrency {concurrency}"
               + (", until the queue is empty" if once else ""), err=True)
    queue.run_worker(queues=list(queues) or None, concurrency=concurrency, wait=not once,
                     install_signal_handlers=not once)


@jobs_cli.command("list")
def list_jobs():
    """Print jobs by status, then failed and retrying jobs with their last error."""
    from marketplace.jobs import monitor

    queue_or_exit()
    click.echo(", ".join(f"{status}: {count}" for status, count in sorted(monitor.counts().items())) or "no jobs")
    for job in monitor.problem_jobs():
        when = f" next at {job.next_at:%Y-%m-%d %H:%M:%S}" if job.next_at else ""
        click.echo(f"#{job.job_id} {job.task} {job.state} after {job.attempts} attempt(s){when}: {job.error}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry(job_id):
    """Put a failed job back in the queue to run now."""
    from marketplace.core.errors import Refused
    from marketplace.extensions import db
    from marketplace.jobs import monitor

    queue_or_exit()
    try:
        monitor.retry(job_id)
    except Refused as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"job {job_id} queued again")


@jobs_cli.command("schedule")
def schedule():
    """Print the periodic jobs the worker defers (cron in UTC)."""
    from marketplace.jobs.queue import SCHEDULE

    for name, cron, what in SCHEDULE:
        click.echo(f"{cron:<14} {name:<20} {what}")


@jobs_cli.command("flush-views")
def flush_views():
    """Write the product views and recently viewed products waiting (core/pending; cron without a queue)."""
    from marketplace.jobs.scheduled import flush_views as flush

    views, notes = flush()
    click.echo(f"product views: {views}, recently viewed: {notes}")
