# The two commands a newcomer needs: `make run` and `make test`. Both install into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test migrate clean

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	python manage.py migrate --noinput

# Web app, Celery worker, beat and localstripe, side by side (Procfile.dev); Ctrl-C stops them all.
run: migrate
	python manage.py load_demo_catalogue
	python manage.py load_demo_users
	@echo
	@echo "  The shop is at      http://127.0.0.1:8000/"
	@echo "  Staff admin         http://127.0.0.1:8000/admin/   (admin / admin; staff / staff; finance / finance for reports)"
	@echo "  API docs            http://127.0.0.1:8000/api/docs/"
	@echo
	honcho start -f Procfile.dev

# The whole suite on the embedded defaults (SQLite, no broker server, files for mail).
test: install
	python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache
