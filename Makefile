# SilqeQMS: the two everyday commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench e2e clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## run: install, migrate the SQLite database, seed roles and demo users, serve http://127.0.0.1:8000
##      with one background-job worker beside the web server; Ctrl-C stops both
PORT ?= 8000
run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_permissions
	DEBUG=1 $(BIN)/python manage.py seed_demo --entries $${DEMO_ENTRIES:-2000} --if-empty
	@DEBUG=1 $(BIN)/python manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "Worker started (pid $$worker); restart make run after changing a job's code."; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (SQLite; PostgreSQL when DATABASE_URL is set; browser tests need /usr/bin/chromium)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

## bench: benchmarks on PostgreSQL (DATABASE_URL, default a local silqeqms_bench database)
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .test-media
