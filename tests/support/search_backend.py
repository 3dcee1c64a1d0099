"""Which search backend the suite runs on (``TEST_SEARCH_BACKEND``), and markers for backend-specific tests."""

import os

import pytest

from marketplace.config import TestingConfig

#: True when the suite searches with the PostgreSQL backend (``TEST_SEARCH_BACKEND=postgres``).
POSTGRES_SEARCH = TestingConfig.SEARCH_BACKEND == "postgres"
#: True when the suite's database is PostgreSQL (``TEST_DATABASE_URL``): both backends can run.
ON_POSTGRESQL = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")

#: Tests of the Whoosh index's own machinery (its folder, queue, writer lock, generations).
whoosh_only = pytest.mark.skipif(POSTGRES_SEARCH, reason="Whoosh internals (index folder, queue, write lock, "
                                 "generations): the PostgreSQL backend writes documents in the transaction")
#: Tests of the PostgreSQL backend's own machinery (its table, term counts, locks).
postgres_only = pytest.mark.skipif(not POSTGRES_SEARCH, reason="PostgreSQL backend internals: run with "
                                   "TEST_DATABASE_URL=postgresql… TEST_SEARCH_BACKEND=postgres")
#: Tests comparing the two backends on one PostgreSQL database.
needs_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="both backends need PostgreSQL (TEST_DATABASE_URL)")
