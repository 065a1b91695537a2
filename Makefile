# Throughline: `make run` starts the dashboard on the sandbox; `make test` passes the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run run-tryton run-quickbooks test check format bench browser-deps browser-axe postgres hubspot-app-test clean help

help:
	@echo "make run         start the dashboard on the built-in sandbox (http://127.0.0.1:8501)"
	@echo "make run-tryton  the dashboard on the HubSpot sandbox and a local seeded Tryton ERP"
	@echo "make run-quickbooks  the dashboard on the sandbox with its ERP side as QuickBooks Online"
	@echo "make test        install dev tools, run make check and every test (browser and Tryton included)"
	@echo "make check       ruff, ruff format --check, mypy, the import contracts (lint-imports)"
	@echo "make bench       the speed-at-scale benchmark (writes build/bench.json)"
	@echo "make hubspot-app-test  the HubSpot app card: npm ci, its bundle, its React tests (offline after npm ci)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Throughline itself installs as a package (editable), so every entrypoint imports it without path edits.
$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(RUNTIME_STAMP) $@

# The sandbox servers, then the dashboard reading them (python -m sandbox demo; Ctrl-C stops both).
run: $(RUNTIME_STAMP)
	$(PY) -m sandbox demo

run-tryton: $(RUNTIME_STAMP)
	$(PY) -m sandbox.tryton run-dashboard

# The same demo with the ERP port speaking QuickBooks Online (its own ports and database, so it never reuses
# an Odoo sandbox); `python -m sandbox env` prints the settings that point the dashboard at it.
QBO_PORTS := --crm-port 8611 --erp-port 8612
run-quickbooks: $(RUNTIME_STAMP)
	env $$($(PY) -m sandbox env --erp quickbooks $(QBO_PORTS)) \
		$(PY) -m sandbox demo --erp quickbooks --db data/sandbox-quickbooks.sqlite $(QBO_PORTS)

check: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The store's tests need PostgreSQL on 127.0.0.1:5432; start the machine's cluster if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2; }

test: $(DEV_STAMP) browser-deps postgres browser-axe
	$(MAKE) check
	$(MAKE) hubspot-app-test
	$(PY) -m pytest

# axe-core for the browser tests' accessibility checks (tests/browser/axe: its package-lock.json's version).
browser-axe:
	cd tests/browser/axe && npm ci --prefer-offline --no-audit --no-fund

# The HubSpot app's card (hubspot-app/, its npm package in src/app/cards as HubSpot's projects have it): the
# exact versions of package-lock.json, the bundle (vite build), then its React tests (vitest, HubSpot's testing
# utilities). npm ci reads npm's cache first; the build and the tests need no network.
HUBSPOT_CARDS := hubspot-app/src/app/cards
hubspot-app-test:
	cd $(HUBSPOT_CARDS) && npm ci --prefer-offline --no-audit --no-fund && npm run build && npm test

bench: $(DEV_STAMP) browser-deps postgres  # the app-in-the-browser step drives Chromium; the pages use the store
	$(PY) -m tests.bench

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
