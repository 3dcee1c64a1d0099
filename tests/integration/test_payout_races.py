"""Payouts under real concurrency (PostgreSQL, threads released together): never more than is owed, never twice.

The household is owed 248.275 ₫ (a card order of 2 × 100.050 + 33.350 ₫ with 30.000 ₫ shipping, less 5 %
commission, 1 % VAT and 0.5 % PIT withheld per line: tests/functional/test_statements.py has the arithmetic).
"""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.payments.payouts import Payout
from tests.factories import make_entity, make_user
from tests.functional.test_statements import deliver, make_order
from tests.integration.test_status_races import race, signed_in

ROUNDS = 3


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises writers); make test runs both")


@pytest.fixture
def admin_id(client, frozen_clock):
    """A finance officer, on 20 November 2026 (``client`` makes the threads' clients sign in directly)."""
    frozen_clock.set(date(2026, 11, 20), time(10, 0))
    admin = make_user("admin")
    db.session.commit()
    return admin.id


def household_owed():
    """A new household owed 248.275 ₫; its id."""
    household = make_entity(entity_type="household_business")
    (part,) = make_order("card", [(household, [("Macca", 100_050, 2), ("Hill coffee", 33_350, 1)], 30_000)])
    deliver(part)
    db.session.commit()
    return household.id


def paid_to(entity_id):
    return db.session.scalar(select(func.coalesce(func.sum(Payout.amount_vnd), 0)).where(Payout.entity_id == entity_id))


def pay(admin_id, entity_id, amount, reference):
    """A thread posting the payout form."""
    form = {"amount_vnd": str(amount), "paid_on": "2026-11-20", "bank_reference": reference}

    def act(client, token):
        return client.post(f"/admin/statements/{entity_id}/payouts?period=2026-11", data={"csrf_token": token, **form})

    return signed_in(admin_id), act


def test_two_payouts_at_once_never_exceed_what_is_owed(app, admin_id):
    for round_ in range(ROUNDS):
        entity_id = household_owed()
        responses = race(app, [pay(admin_id, entity_id, 200_000, f"FT-A-{round_}"),
                               pay(admin_id, entity_id, 200_000, f"FT-B-{round_}")])
        assert [response.status_code for response in responses] == [302, 302]
        assert paid_to(entity_id) == 200_000  # one of the two; the other was refused (48.275 ₫ left)


def test_the_same_transfer_posted_twice_at_once_is_recorded_once(app, admin_id):
    for round_ in range(ROUNDS):
        entity_id = household_owed()
        responses = race(app, [pay(admin_id, entity_id, 10_000, f"FT-SAME-{round_}"),
                               pay(admin_id, entity_id, 10_000, f"FT-SAME-{round_}")])
        assert [response.status_code for response in responses] == [302, 302]
        assert paid_to(entity_id) == 10_000
