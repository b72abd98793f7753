# Two commands do everything on a fresh machine:
#   make demo   install, migrate, load the Maros demo data, serve on 127.0.0.1:8000
#               with one background worker (manage.py db_worker)
#   make test   install with the dev extra and run the whole test suite
PYTHON ?= python3
# The demo's address: `make demo PORT=8010` when 8000 is taken.
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installing is skipped while the lock file is older than the last install. The
# lock files (requirements/*.txt, made by uv from pyproject.toml's ranges, every
# file checked against its hash) decide the versions; the project itself is then
# installed without dependencies. `make lock` updates them (see README).
$(VENV)/.installed: requirements/main.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/main.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed

# Re-resolve the lock files from pyproject.toml (newest versions within its ranges;
# run after changing a dependency, then `make test`). uv comes from PyPI.
lock: | $(BIN)/python
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --universal -q --upgrade -o requirements/main.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes \
	  --python-version 3.11 --universal -q --upgrade -o requirements/dev.txt

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The background worker (exports, large imports) runs beside the server and stops
# when the server stops (Ctrl-C); --no-reload, since a reloading worker's child
# process would outlive the kill.
demo: install
	DEBUG=1 $(BIN)/python manage.py migrate
	DEBUG=1 $(BIN)/python manage.py load_regions
	DEBUG=1 $(BIN)/python manage.py load_demo --reset-passwords
	DEBUG=1 $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the accessibility browser tests (package-lock.json); without npm
# they skip locally (CI fails them instead).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility browser tests will skip"; fi

test: install-dev node_modules/.package-lock.json
	$(BIN)/python -m pytest -n auto  # one process per core (pytest-xdist)
