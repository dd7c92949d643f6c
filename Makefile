# The two commands that matter: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench bench-load bench-chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/llinc run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/safeguarding.py
	$(BIN)/python bench/crypto.py

# The load and chaos benchmarks (minutes each); pass options with ARGS="--teachers 1000 ...".
bench-load: $(VENV)/.installed-dev
	$(BIN)/python bench/load.py $(ARGS)

bench-chaos: $(VENV)/.installed-dev
	$(BIN)/python bench/chaos.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
