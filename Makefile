# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
HOST ?= 127.0.0.1
PORT ?= 5000
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-sqlite test-postgres install translations lint demo bench clean

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

test-postgres: install translations
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
	  $(BIN)/pytest -m "not browser" $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL unset: PostgreSQL run skipped (.ci/run always sets it)"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install translations
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/listing_bench.py
	$(BIN)/python benchmarks/search_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
