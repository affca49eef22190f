# Two commands for a new user: `make demo` and `make test`.
# Everything lives in .venv/ at the repository root; nothing is installed system-wide
# except Debian packages that tests need (installed only when missing, as root).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test install install-test lint clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_RUN)
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(STAMP_RUN)

install-test: $(STAMP_TEST)

demo: $(STAMP_RUN)
	$(VENV)/bin/guanxi demo

test: $(STAMP_TEST)
	$(PY) -m pytest

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check guanxi graph loaders algorithms api viz tests

clean:
	rm -rf $(VENV) demo guanxi.duckdb .pytest_cache
