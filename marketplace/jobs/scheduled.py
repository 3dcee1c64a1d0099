"""Scheduled work besides the daily sweep: each job is one unit of work that commits once.

Cron (or a queue's scheduler) runs them through ``flask orders expire``, ``flask orders reconcile`` and
``flask search sync``; ``docs/architecture.md`` lists the cron lines.
"""

from datetime import UTC, datetime

from marketplace import search
from marketplace.extensions import db
from marketplace.payments.services import reconcile
from marketplace.shop.orders.services import expire_unpaid


def expire_orders(now=None):
    """Cancel unpaid orders whose reservation lapsed (their stock returns); return how many."""
    count = expire_unpaid(now or datetime.now(UTC))
    db.session.commit()
    return count


def reconcile_payments(older_than_minutes=35):
    """Ask Stripe about card payments stuck in pending and apply its answer; return (session, outcome) pairs."""
    outcomes = reconcile(older_than_minutes)
    db.session.commit()
    return outcomes


def sync_search():
    """Apply queued index changes; None when the index is busy (they stay queued)."""
    return search.sync_pending()
