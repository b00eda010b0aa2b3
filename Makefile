# paperboy — see README.md. `make run` and `make test` are the two set-up commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Stamps are rebuilt whenever the dependency pins change. `make run` installs only what the site needs;
# `make test` adds the development tools (pytest, Playwright, ruff, mypy, ...).
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-dev
DEBUG_ENV := PAPERBOY_DEBUG=$${PAPERBOY_DEBUG:-true}

.PHONY: run test test-postgres lint fmt typecheck migrations-check check install install-prod clean serve-prod \
        bench-ingest bench-search eval-search bench-digests bench-load

$(RUN_STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	@touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

## Development: the site's dependencies plus the development tools (pytest, Playwright, ruff, mypy, ...).
install: $(STAMP)

## Production (docs/deploy.md): the site's pinned runtime dependencies only, no development tools.
install-prod: $(RUN_STAMP)

## Serve the site on http://127.0.0.1:$(PORT). On first start the demo corpus is imported (and the
## search index built, then embedded for search by meaning) in the background; progress goes to
## data/demo-setup.log and shows on the site.
run: $(RUN_STAMP)
	@mkdir -p data
	$(DEBUG_ENV) $(PY) manage.py migrate --no-input
	@( flock -n 9 || exit 0; $(DEBUG_ENV) $(PY) manage.py load_demo && $(DEBUG_ENV) $(PY) manage.py embed ) 9>data/.demo-setup.lock >> data/demo-setup.log 2>&1 &
	@echo "paperboy: preparing the demo corpus in the background (tail -f data/demo-setup.log)"
	$(DEBUG_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## The whole test suite on SQLite (browser tests run when Chromium is installed).
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup

## The same suite on the PostgreSQL server of this machine (127.0.0.1:5432, trust auth).
test-postgres: $(STAMP)
	PAPERBOY_DATABASE_URL=$${PAPERBOY_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/paperboy} \
	  $(PY) -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	PAPERBOY_DEBUG=true $(VENV)/bin/mypy paperboy

migrations-check: $(STAMP)
	PAPERBOY_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check test

## Records per second importing ../shared/data/arxiv-daily-cs-dwdengwei into a fresh SQLite database.
bench-ingest: $(STAMP)
	@mkdir -p build
	PAPERBOY_DEBUG=true $(PY) -m paperboy.bench.ingest --out build/bench-ingest.json

## Compose and send digests for 10,000 subscribers to a local aiosmtpd server; prints e-mails per second.
bench-digests: $(STAMP)
	@mkdir -p build
	$(PY) -m paperboy.bench.digests --out build/bench-digests.json

## Search quality on ../shared/eval (NPL, CISI): nDCG@10, MRR@10, Recall@100 for keyword, semantic, hybrid
## and the RRF(k=60) baseline; writes build/eval-search.json (eval-set override: PAPERBOY_EVAL_DIR).
eval-search: $(STAMP)
	@mkdir -p build
	PAPERBOY_DEBUG=true $(PY) -m paperboy.search.eval --out build/eval-search.json

clean:
	rm -rf build data/staticfiles

## Production server: collectstatic, migrate, gunicorn with several workers (docs/deploy.md).
## PAPERBOY_* come from the environment or from $(ENV_FILE) when it exists.
ENV_FILE ?= .env
serve-prod: $(RUN_STAMP)
	@set -a; if [ -f "$(ENV_FILE)" ]; then . "$(abspath $(ENV_FILE))"; fi; set +a; \
	  $(PY) manage.py serve_prod

## Load test: gunicorn on 127.0.0.1 against PostgreSQL (database paperboy_bench) with the demo corpus, embedded
## for hybrid search (vectors cached in ~/.cache/paperboy/bench; the first run embeds ~25k papers: 8-10 min on
## 2 quiet cores, 54 min when other jobs kept them busy). The search page is hit with 200 queries cut from demo titles.
bench-load: $(STAMP)
	@mkdir -p build
	$(PY) -m paperboy.bench.load --out build/bench-load.json

## Search latency (keyword, semantic, hybrid; p50/p99) at 75k real and 1M synthetic papers, index build, RSS, disk.
## Embeddings of the real corpus are cached in ~/.cache/paperboy/bench (PAPERBOY_BENCH_CACHE).
bench-search: $(STAMP)
	@mkdir -p build
	PAPERBOY_DEBUG=true PAPERBOY_LOG_LEVEL=WARNING $(PY) -m paperboy.bench.search --out build/bench-search.json
