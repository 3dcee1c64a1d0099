# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
HOST ?= 127.0.0.1
PORT ?= 5000
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-sqlite test-postgres install translations lint demo bench cluster loadtest pagebench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/python -m babel.messages.frontend compile -d translations --use-fuzzy 2>/dev/null || \
	  $(BIN)/python -m babel.messages.frontend compile -d translations

demo: install translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) search reindex

run: demo
	@$(FLASK) demo info --base-url http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set (.ci/run sets it).
test: test-sqlite test-postgres

test-sqlite: install translations
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# On PostgreSQL twice: with the Whoosh search backend (plus the replica and cluster tests), then with the
# PostgreSQL search backend (TEST_SEARCH_BACKEND=postgres; the cluster test already runs that backend).
test-postgres: install translations
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL, Whoosh search: $$TEST_DATABASE_URL"; \
	  env -u TEST_SEARCH_BACKEND $(BIN)/pytest -m "not browser" $(PYTEST_ARGS) && \
	  echo "== PostgreSQL, PostgreSQL search: $$TEST_DATABASE_URL" && \
	  TEST_SEARCH_BACKEND=postgres $(BIN)/pytest -m "not browser and not cluster" $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL unset: PostgreSQL run skipped (.ci/run always sets it)"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install translations
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/listing_bench.py
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/share_image_bench.py

# Production's topology on loopback (docs/deploy.md): PostgreSQL, Redis, an S3 server, N gunicorn app servers, a job
# worker and HAProxy, with the demo catalogue. Ctrl-C stops and deletes it all. CLUSTER_ARGS="--apps 3 --workers 2".
cluster: install translations
	$(BIN)/python deploy/cluster.py $(CLUSTER_ARGS)

# One app server against two under the same mixed traffic (about 8 minutes with LOADTEST_ARGS=--pinned; docs/deploy.md).
loadtest: install translations
	$(BIN)/python benchmarks/load_test.py $(LOADTEST_ARGS)

# Each page against a bare Flask "hello" on the same gunicorn, alternately, with wrk (about 6 minutes; docs/deploy.md).
# PAGEBENCH_ARGS="--duration 30 --database-url postgresql+psycopg://…" (that database's tables are dropped first).
pagebench: install translations
	$(BIN)/python benchmarks/page_bench.py $(PAGEBENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
