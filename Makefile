# Two entry points do all the set-up on a fresh machine with Python 3.11+ and make:
#   make run   - .venv, install, embedded PostgreSQL (unless DATABASE_URL), migrate,
#                load curriculum and seeds, serve the API on 127.0.0.1:8000
#   make test  - .venv, install with test extras, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The service alone for `make run`; with test and dev tools for everything else.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/lms serve --host $(HOST) --port $(PORT)

# One worker per core (pytest-xdist), each with its own database migrated once; browser tests
# stay on one worker (one served app, one Chromium). TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Benchmarks (never part of `make test`): see BENCHMARKS.md.
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/mypy app
