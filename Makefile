# Quick start: `make demo` (set up, migrate, load the demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: setup demo test e2e lint check audit lock clean
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

# Installs the exact versions of the lock files, each checked against its hash.
$(BIN)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "演示账号：admin_xj / reviewer_yili / clerk_yining / clerk_huocheng / auditor_xj，密码 demo2024"
	$(BIN)/python manage.py runserver $(HOST)

test: setup
	$(BIN)/python -m pytest

e2e: setup
	$(BIN)/python -m pytest tests/e2e

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

check: setup
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Known advisories of the locked versions (pip-audit; see .ci/audit.py and README, Dependencies).
audit: setup
	$(BIN)/python .ci/audit.py

# After editing requirements.txt or requirements-dev.txt: new lock files with hashes.
lock: setup
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
