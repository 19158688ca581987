# deploybook: `make book` builds the book, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup book test test-matrix test-environments lint lab bench clean

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
	@$(BIN)/deploybook prerequisites book
	@$(BIN)/deploybook refresh-cache --cache _build/.jupyter_cache
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "open _build/html/index.html"

# Every test but the extra report parameter sets (`matrix`), with coverage; the slowest shown.
# Two workers: the Spark tests in one, in order, while the other runs the rest (tests/conftest.py).
test: setup
	@$(BIN)/deploybook prerequisites test
	$(BIN)/pytest tests -m "not matrix and not environments" --durations=15 \
		-n 2 --dist loadscope --no-loadscope-reorder \
		--cov=deploybook --cov-report=term --cov-fail-under=80 $(PYTEST_ARGS)

# The extra report parameter sets, each executed and rendered (a CI job of its own).
test-matrix: setup
	$(BIN)/pytest tests/notebooks -m matrix --durations=15 $(PYTEST_ARGS)

# The retraining report on a standalone cluster and on Spark Connect (servers started from the
# pyspark installation), compared with local[2]: a CI job of its own, not part of `make test`.
test-environments: setup
	$(BIN)/pytest tests/environments -m environments -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# JupyterLab on the reports (from the dev extras); LAB_ARGS passes options, e.g. --no-browser.
lab: setup
	$(BIN)/jupyter lab notebooks $(LAB_ARGS)

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf _build _work .spark-tmp .coverage .coverage.*
