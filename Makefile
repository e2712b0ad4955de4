# Two commands for a fresh Debian machine with Python 3.11+:  make run  and  make test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install install-test system-deps messages lint bench

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
# test prints the workbook to PDF with LibreOffice (its GUI-less Calc is the smallest package).
system-deps:
	@command -v chromium >/dev/null && command -v msgfmt >/dev/null && command -v libreoffice >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium gettext && \
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
	$(PY) bench/load.py
