# Everything runs from .venv, which holds exactly the set pinned in uv.lock, plus this
# project installed editable (README, "Dependencies"). uv itself comes from PyPI at
# UV_VERSION into .tools, so a machine needs nothing but python3 and its venv module.
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)

# uv installs into .venv with the interpreter named by PYTHON and never fetches one itself.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: dev test test-faults bench-smoke lint install lock worker api clean imap-server browser

$(UV_STAMP):
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

# --locked: stop, rather than install something else, when uv.lock no longer matches
# pyproject.toml (`make lock` fixes that). The sync is exact: what the lock drops goes.
# Bytecode is compiled here, as pip does, because with PYTHONDONTWRITEBYTECODE set every
# process would otherwise compile the whole dependency set again when it starts.
$(STAMP): pyproject.toml uv.lock Makefile $(UV_STAMP)
	$(UV) sync --locked --extra dev --compile-bytecode \
		|| { echo 'If uv.lock needs to be updated: make lock, then commit uv.lock.' >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

## Re-pin after editing pyproject.toml; every pin the change does not touch stays as it is.
lock: $(UV_STAMP)
	$(UV) lock

## Start the whole stack (Temporal + UI, PostgreSQL, SMTP mailbox, worker, API) and supervise it.
dev: $(STAMP)
	$(BIN)/python -m rapport.devstack

## The whole suite: lint, types, tests against real Temporal, PostgreSQL, SMTP and IMAP; all
## but the fault tests, which take minutes (`make test-faults`; CI runs both).
test: $(STAMP) lint imap-server browser
	$(BIN)/python -m pytest -q -ra -m "not faults and not bench"

## The fault tests (tests/faults): the worker and Temporal SIGKILLed, PostgreSQL frozen, SMTP
## refusing, while Rapport sends; every email counted. Prints the counts at the end.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -ra -m faults tests/faults

## The benchmarks' slower smoke runs (the wake storm, the idle population, the enrolment): a minute or
## so, outside `make test` to keep CI within its time; run them when a benchmark changes.
bench-smoke: $(STAMP)
	$(BIN)/python -m pytest -q -ra -m bench

## dovecot for the IMAP tests, installed where apt-get can (root, as on CI); else they skip.
imap-server:
	.ci/imap-server

## Debian's Chromium for the workspace's browser tests, likewise (never `playwright install`).
browser:
	.ci/browser

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
	rm -rf $(VENV) $(TOOLS) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
