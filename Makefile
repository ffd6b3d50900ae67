# After-sales service for home-appliance makers, on Tryton 8.0 LTS.
#
#   make demo        set up (once) and serve the demo on http://127.0.0.1:8000/
#   make demo-reset  drop the demo database and run `make demo` again
#   make test        the whole test suite (SQLite and PostgreSQL)
#   make lint        flake8 and isort
#   make bench       the analytics benchmark: 1,000,000 work orders in
#                    PostgreSQL (TRYTOND_DATABASE_URI), reports and wall screen
#
# Everything lands in .venv/ and var/, both git-ignored.

SHELL := /bin/sh
PYTHON3 ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip
DB ?= demo
VENV_STAMP := $(VENV)/.installed
SAO_STAMP := var/sao/.installed
SAO_CUSTOM_STAMP := var/sao/.customised
WALL_STAMP := var/wall.installed
WALL_DIR := addons/appliance_analytics/wall
# The analytics benchmark
BENCH_DB ?= bench_analytics
BENCH_WORK_ORDERS ?= 1000000

# trytond wants an absolute directory for the SQLite databases.
export TRYTOND_DATABASE__PATH ?= $(CURDIR)/var
# The demo's users keep their published password (appliance_security asks
# for a new one at the first login outside demo mode).
demo demo-setup demo-reset screenshot: export TRYTOND_APPLIANCE_SECURITY__DEMO = True

.PHONY: all venv sao wall demo demo-setup demo-reset test lint screenshot \
	bench clean

all: venv sao wall

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	test -x $(PYTHON) || $(PYTHON3) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet -e .
	touch $@

sao: $(SAO_STAMP) $(SAO_CUSTOM_STAMP)

$(SAO_STAMP): scripts/install_sao.sh
	./scripts/install_sao.sh
	touch $@

# The product's custom.css, custom.js and icon (scripts/sao/)
$(SAO_CUSTOM_STAMP): $(SAO_STAMP) $(wildcard scripts/sao/*)
	./scripts/install_sao.sh --custom
	touch $@

# The charting library of the wall screen, from npm, served by trytond
wall: $(WALL_STAMP)

$(WALL_STAMP): scripts/install_wall.sh $(WALL_DIR)/package-lock.json
	./scripts/install_wall.sh
	mkdir -p var && touch $@

# Create the database and the demo data when missing, then serve.
demo: demo-setup
	@echo "Serving the demo on http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(VENV)/bin/trytond -c tryton.conf -d $(DB)

demo-setup: venv sao wall
	$(PYTHON) scripts/setup_demo.py --database $(DB)

demo-reset: venv
	$(PYTHON) scripts/setup_demo.py --database $(DB) --drop
	$(MAKE) demo

test: venv sao wall
	./scripts/run_tests.sh

lint: venv
	$(VENV)/bin/flake8 addons tests scripts bench
	$(VENV)/bin/isort --check-only --diff addons tests scripts bench

# Load BENCH_WORK_ORDERS work orders into the PostgreSQL database BENCH_DB
# (created with its reference data when missing, COPY loader), then time
# every report against hand-written SQL and the wall screen.
bench: venv wall
	TRYTOND_DATABASE_URI=$${TRYTOND_DATABASE_URI:-postgresql://postgres@127.0.0.1:5432/} \
		$(PYTHON) bench/analytics_bench.py --setup --database $(BENCH_DB) \
		--work-orders $(BENCH_WORK_ORDERS)

# The appliance form in zh_CN for the README (needs Debian's chromium).
screenshot: demo-setup
	$(PYTHON) scripts/screenshot.py --database $(DB) \
		--output docs/screenshots/appliance_form_zh_CN.png

clean:
	rm -rf $(VENV_STAMP) $(SAO_STAMP) $(SAO_CUSTOM_STAMP) var/sao var/sao.tmp \
		$(WALL_STAMP) $(WALL_DIR)/node_modules
