# Everything runs from .venv, built from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint install worker api clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the whole stack (Temporal + UI, PostgreSQL, SMTP mailbox, worker, API) and supervise it.
dev: $(STAMP)
	$(BIN)/python -m rapport.devstack

## The whole suite: lint, types, tests against real Temporal, PostgreSQL and SMTP.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q -ra

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

worker: $(STAMP)
	$(BIN)/python worker.py

api: $(STAMP)
	$(BIN)/uvicorn api.main:app --host 127.0.0.1 --port $${RAPPORT_API_PORT:-8000}

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
