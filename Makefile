# Two commands for a fresh Debian machine with Python 3.11+:  make run  and  make test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

WORKERS ?= 2
LISTEN ?= 127.0.0.1:8080

.PHONY: run test install install-test system-deps messages lint bench bench-deps ratio hall snapshot deploy

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test system-deps

# The browser tests drive Debian's Chromium; the catalogue test needs gettext's tools; the XLSX
# test prints the workbook to PDF with LibreOffice (its GUI-less Calc is the smallest package);
# the deploy test runs nginx in front of two workers.
system-deps:
	@command -v chromium >/dev/null && command -v msgfmt >/dev/null && command -v libreoffice >/dev/null && [ -x /usr/sbin/nginx ] || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium gettext nginx && \
	  $$SUDO apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; }

# A server fit for a seminar: daphne (HTTP + WebSockets) on every interface, DEBUG off.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo
	$(VENV)/bin/daphne -b 0.0.0.0 -p $(PORT) dotvote.asgi:application

test: install-test
	$(VENV)/bin/pytest

lint: install-test
	$(VENV)/bin/ruff check .

# Refresh the fi/sv/en catalogues from the source, then compile them (the .mo files are committed).
messages:
	$(PY) manage.py makemessages -l fi -l sv -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=scripts
	$(PY) manage.py compilemessages --ignore=.venv

bench: install-test
	$(PY) bench/hall.py

# The benchmarks' extras: wrk (Debian) and the other ASGI servers (the `bench` extra).
bench-deps: install-test
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q wrk; }
	$(VENV)/bin/pip install -q ".[test,bench]"

# Vote vs bare Django POST (SERVER=daphne|uvicorn|granian); set DATABASE_URL/REDIS_URL for PostgreSQL.
SERVER ?= daphne
ratio:
	$(PY) bench/ratio.py --server $(SERVER)

hall:
	$(PY) bench/hall.py

snapshot:
	$(PY) bench/snapshot.py

# nginx in front of WORKERS daphne processes (needs DATABASE_URL=postgres://... and REDIS_URL).
deploy: install system-deps
	$(PY) deploy/run.py --workers $(WORKERS) --listen $(LISTEN)
