# Two commands do everything on a fresh machine:
#   make demo   install, migrate, load the Maros demo data, serve on 127.0.0.1:8000
#               with one background worker (manage.py db_worker)
#   make test   install with the dev extra and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installing is skipped while pyproject.toml is older than the last install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

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
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-dev
	$(BIN)/python -m pytest -n auto  # one process per core (pytest-xdist)
