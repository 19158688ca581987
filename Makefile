# deploybook: `make book` builds the book, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup book test test-environments lint bench clean

setup: $(STAMP)
	@$(BIN)/deploybook setup

# The environment is rebuilt only when the pins change.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"deploybook needs Python 3.11 or newer; {sys.executable} is {v.major}.{v.minor}")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

book: setup
	@$(BIN)/deploybook refresh-cache --cache _build/.jupyter_cache
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "open _build/html/index.html"

test: setup
	$(BIN)/pytest tests notebooks -m "not environments" --nbval-lax \
		--nbval-sanitize-with tests/nbval_sanitize.cfg \
		--cov=deploybook --cov-report=term --cov-fail-under=80 $(PYTEST_ARGS)

# The retraining report on a standalone cluster and on Spark Connect (servers started from the
# pyspark installation), compared with local[2]: its own CI job, not part of `make test`.
test-environments: setup
	$(BIN)/pytest tests/environments -m environments -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf _build _work .spark-tmp .coverage .coverage.*
