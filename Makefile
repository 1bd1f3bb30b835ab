# Quick start: `make demo` (set up, migrate, load the demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: setup demo test e2e lint check audit lock clean mutants
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
	@echo "演示账号：admin_xj / reviewer_yili / clerk_yining / clerk_huocheng / auditor_xj（新疆），admin_gs / clerk_zhangye（甘肃），ministry_mca（民政部），密码 demo2024"
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

# Mutation testing, by hand (not in CI; some three and a half hours with MUTANT_JOBS=1):
# mutmut over the targets of [tool.mutmut] in pyproject.toml, then the hand mutants of
# tests/mutation/hand_mutants.toml (constants and decorated functions, which mutmut leaves
# alone). Prints each score and every surviving mutant. MUTANT_JOBS=1 leaves a core free.
MUTANT_JOBS ?= 2

$(BIN)/.mutants-installed: $(BIN)/.installed requirements-mutants.txt
	$(BIN)/python -m pip install --quiet -r requirements-mutants.txt
	touch $@

mutants: $(BIN)/.mutants-installed
	rm -rf mutants mutants-hand
	$(BIN)/mutmut run --max-children $(MUTANT_JOBS)
	$(BIN)/python -m tests.mutation.report
	$(BIN)/python -m tests.mutation.hand_mutants --jobs $(MUTANT_JOBS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles mutants mutants-hand
