# cxinsight: two commands do all set-up on a fresh machine (Python 3.11).
#   make demo   create .venv, install the lock, and run the full analysis of data/sample_interviews
#   make test   create or reuse .venv, install the dev extra, and run every test and notebook
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q
LOCK := pylock.toml
INSTALLER := tools/installer.txt
OUT ?= out/sample_study

.PHONY: demo test bench lint install install-dev clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Every dependency comes from the lock (pylock.toml, PEP 751): exact versions, sha256 hashes,
# no resolver (torch is the CPU build 2.13.0). pip 26.3, pinned by hash, reads it; cxinsight
# itself is then installed editable, without deps. Refresh with `python3 tools/refresh_lock.py`.
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml $(LOCK) $(INSTALLER)
	$(PIP) --require-hashes --no-deps -r $(INSTALLER)
	$(PIP) -r $(LOCK)
	$(PIP) --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(VENV)/bin/cxinsight analyse data/sample_interviews --out $(OUT) --overwrite

test: $(VENV)/.installed-dev
	@# headless Chromium for the report's browser test (skipped where it cannot be installed)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || true
	$(PY) -m ruff check cxinsight tests benchmarks
	$(PY) -m pytest -q
	@# the curated notebooks, re-executed and compared with their committed outputs (nbval),
	@# with an embedding cache of their own (as tools/build_notebooks.py makes them; the test
	@# suite's cache holds vectors its tests wrote) and never reaching for a model hub
	CXINSIGHT_CACHE_DIR=$(CURDIR)/.cache-notebooks HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
		$(PY) -m pytest -q --nbval notebooks --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check cxinsight tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
