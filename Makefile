# The two commands a developer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Production-like variables for `check --deploy`: the throwaway key only has to look
# strong (50+ characters, varied); it never signs anything. The database is an empty
# one in memory: this checks the configuration, and a developer's db.sqlite3 holds the
# demo users that the deploy check sms.E001 rightly flags on a server.
DEPLOY_ENV := DEBUG=False ALLOWED_HOSTS=sms.example.com DATABASE_URL=sqlite://:memory: \
	SECRET_KEY=check-deploy-9f3c1a7e5b2d4c6e8a0b1d3f5e7c9a2b4d6f8e0a1c3e5b7d9f

.PHONY: run install dev migrate seed test lint format checks compose-check pytest bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "SMS is starting on http://$(HOST):$(PORT)/ (log in with a demo user above)."
	$(PY) manage.py runserver $(HOST):$(PORT)

test: dev lint checks pytest

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

checks: dev compose-check
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

compose-check:
	@if command -v docker-compose >/dev/null 2>&1; then \
		SECRET_KEY=compose-check docker-compose -f docker-compose.yml config -q; \
	elif docker compose version >/dev/null 2>&1; then \
		SECRET_KEY=compose-check docker compose -f docker-compose.yml config -q; \
	else \
		echo "The compose check needs docker-compose (Debian: apt-get install docker-compose)."; \
		exit 1; \
	fi
	@echo "docker-compose.yml is valid."

pytest: dev
	$(PY) -m pytest $(PYTEST_ARGS)

bench: dev
	@if [ -d bench ] && ls bench/bench_*.py >/dev/null 2>&1; then \
		for b in bench/bench_*.py; do $(PY) $$b || exit 1; done; \
	else \
		echo "No benchmarks yet: they arrive with the apps they measure (bench/)."; \
	fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
