"""Scheduled work: each job is one unit of work that commits once, registered as a task for the queue's schedule.

With the job queue (``JOB_QUEUE=procrastinate``) the worker runs them on the schedule of ``jobs/queue.py``; without
it, cron runs ``flask certificates sweep`` (which applies the returns' deadlines too), ``flask orders expire``,
``flask orders reconcile`` and ``flask search sync`` (``docs/architecture.md`` lists the cron lines).
"""

from datetime import UTC, datetime

from flask import current_app

from marketplace import search
from marketplace.core import jobs, pending
from marketplace.core.clock import today
from marketplace.core.security import external_url
from marketplace.extensions import db
from marketplace.jobs.sweep import sweep
from marketplace.payments import gateways
from marketplace.payments.services import reconcile
from marketplace.registry import opendata
from marketplace.reports import sales as stats
from marketplace.returns.services import escalate_overdue
from marketplace.shop.cart import wishlist
from marketplace.shop.orders.services import expire_unpaid


def expire_orders(now=None):
    """Cancel unpaid orders whose reservation lapsed (their stock returns); return how many."""
    count = expire_unpaid(now or datetime.now(UTC))
    db.session.commit()
    return count


def reconcile_payments(older_than_minutes=35):
    """Ask Stripe, VNPay and MoMo about payments stuck in pending and apply their answers; (reference, outcome)."""
    outcomes = reconcile(older_than_minutes)
    db.session.commit()
    return outcomes


def escalate_returns():
    """Send returns the producer left unanswered to the platform and close lapsed refusals: ``(escalated, closed)``."""
    counts = escalate_overdue()
    db.session.commit()
    return counts


def sync_search():
    """Apply queued index changes; None when the index is busy (they stay queued)."""
    return search.sync_pending()


@jobs.task("certificates.sweep", retries=3)
def sweep_today():
    """The daily sweep for today in Vietnam (idempotent: each reminder and notice is claimed once)."""
    current_app.logger.info("sweep: %s", sweep(today()).summary())


@jobs.task("orders.expire", retries=0)
def expire_orders_task():
    """Expire lapsed reservations (the next run catches up, so a failed run is not retried)."""
    expire_orders()


@jobs.task("payments.reconcile", retries=0)
def reconcile_task():
    """Reconcile stuck payments with Stripe, VNPay and MoMo, when one of them is configured or simulated."""
    if current_app.config.get("STRIPE_SECRET_KEY") or any(gateways.is_available(name) for name in gateways.GATEWAYS):
        reconcile_payments()


@jobs.task("returns.escalate", retries=0)
def escalate_returns_task():
    """Apply the returns' deadlines (the next run catches up, so a failed run is not retried)."""
    escalate_returns()


@jobs.task("search.sync", retries=0)
def sync_search_task():
    """Apply queued index changes (the Whoosh backend only: the PostgreSQL one is written in the transaction)."""
    if current_app.config.get("SEARCH_BACKEND", "whoosh") == "whoosh":
        sync_search()


@jobs.task("search.rebuild", retries=2)
def rebuild_search_task():
    """Rebuild the search index from the database (a new generation swapped in atomically)."""
    search.rebuild()


def write_open_data(day=None):
    """Write the open-data downloads (CSV, JSON, CSVW metadata) of every certificate with its status on ``day``."""
    return opendata.write(day or today(), external_url, current_app.config["PUBLIC_URL"].rstrip("/"))


@jobs.task("opendata.export", retries=3)
def export_open_data_task():
    """The nightly open-data downloads, after the sweep (statuses of the new day)."""
    current_app.logger.info("open data written: %s", write_open_data()["dc:modified"])


def flush_views():
    """Write the product views and buyers' "recently viewed" waiting in core/pending, in one short transaction.

    What was taken is given back when the write fails, so the next flush writes it. Returns (tallies, notes) written.
    """
    views, notes = pending.take_counts(stats.VIEWS), pending.take_notes(wishlist.VIEWS)
    try:
        stats.store_views(views)
        wishlist.store_views(notes)
        db.session.commit()
    except Exception:
        db.session.rollback()
        pending.give_back(stats.VIEWS, counts=views)
        pending.give_back(wishlist.VIEWS, notes=notes)
        raise
    return len(views), len(notes)


@jobs.task("stats.flush_views", retries=0)
def flush_views_task():
    """Write the views waiting (the next run catches up, so a failed run is not retried)."""
    flush_views()
