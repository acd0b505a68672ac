# The two commands a newcomer needs: `make run` and `make test`. Both install into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test migrate clean lock bench

$(INSTALLED): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements-dev.lock -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	python manage.py migrate --noinput

# The publisher's own pages (plain text, as its website shows them), imported over the demo
# catalogue when the folder is there.
SEEDS ?= ../shared/seeds

# Web app, Celery worker, beat and localstripe, side by side (Procfile.dev); Ctrl-C stops them all.
run: migrate
	python manage.py load_demo_catalogue
	@if ls $(SEEDS)/*.txt >/dev/null 2>&1; then python manage.py import_pages $(SEEDS)/*.txt; \
	else echo "No publisher pages in $(SEEDS): the demo catalogue alone."; fi
	python manage.py load_demo_users
	@echo
	@echo "  The shop is at      http://127.0.0.1:8000/"
	@echo "  Staff admin         http://127.0.0.1:8000/admin/   (admin / admin; staff / staff; finance / finance for reports)"
	@echo "  API docs            http://127.0.0.1:8000/api/docs/"
	@echo
	honcho start -f Procfile.dev

# The whole suite on the embedded defaults (SQLite, no broker server, files for mail), a process
# per core (pytest-xdist): each has its own test database, localstripe and peers.
test: install
	python -m pytest -n auto

# The benchmarks (bench/), each printing its figures beside the issue's targets, on the PostgreSQL
# and Redis of BENCH_DATABASE_URL and BENCH_REDIS_URL (defaults: 127.0.0.1, database "bench",
# Redis db 15, which each run empties). wrk drives the page benchmarks: installed with apt-get
# when missing (as root), or the target says how.
BENCH_PUBLICATIONS ?= 10000
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "bench needs wrk: sudo apt-get install wrk (Debian, Ubuntu) or brew install wrk (macOS)"; exit 1; }
	python -c "import redis, os; redis.Redis.from_url(os.environ.get('BENCH_REDIS_URL', 'redis://127.0.0.1:6379/15')).flushdb()"
	python bench/catalogue.py --publications $(BENCH_PUBLICATIONS)
	python bench/worker.py
	python bench/worker.py --orders 1500 --rate 50
	python bench/checkout.py
	python bench/reports.py

# After changing a pin in pyproject.toml: requirements.lock (what the shop needs to run, installed
# by the Dockerfile) and requirements-dev.lock (that plus tests and tools), each from a fresh venv.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check .
	var/lock-venv/bin/pip freeze --exclude printshop > requirements.lock
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	var/lock-venv/bin/pip freeze --exclude printshop > requirements-dev.lock
	rm -rf var/lock-venv build

clean:
	rm -rf $(VENV) var .pytest_cache
