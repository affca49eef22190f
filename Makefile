# Two commands for a new user: `make demo` and `make test`.
# Everything lives in .venv/ at the repository root; nothing is installed system-wide
# except Debian packages that tests need (installed only when missing, as root).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test install install-test system-deps lint clean bench

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

# Debian packages the tests need, installed only when missing and we are root.
# Debian's docker-compose validates docker-compose.yml offline (tests/test_compose.py);
# no Docker engine is needed. Installed only when missing and we are root; otherwise
# the compose tests are skipped, and this says so loudly.
system-deps:
	@if command -v docker-compose >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing Debian's docker-compose (to validate docker-compose.yml offline)"; \
		( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null ) \
		|| echo "make: WARNING: could not install docker-compose; tests/test_compose.py will be SKIPPED and docker-compose.yml NOT validated" >&2; \
	else \
		echo "make: WARNING: docker-compose is missing and cannot be installed here (not root, or no apt-get); tests/test_compose.py will be SKIPPED and docker-compose.yml NOT validated" >&2; \
	fi
	@# Debian's chromium runs the view tests in a real headless browser (tests/viz); they
	@# fail in CI when it is missing, and skip loudly elsewhere.
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing Debian's chromium (for the browser tests of the HTML views)"; \
		( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null ) \
		|| echo "make: WARNING: could not install chromium; the browser tests of the views cannot run" >&2; \
	else \
		echo "make: WARNING: chromium is missing and cannot be installed here (not root, or no apt-get); the browser tests of the views cannot run" >&2; \
	fi
	@# Java (a JDK: Maven compiles a small launcher) and Maven run the test Neo4j, 5.26
	@# with GDS from Maven Central (tests/neo4j/pom.xml); the Neo4j tests fail without them.
	@if command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing Debian's default-jdk-headless and maven (to run the test Neo4j)"; \
		( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null ) \
		|| echo "make: WARNING: could not install default-jdk-headless and maven; the Neo4j tests will FAIL" >&2; \
	else \
		echo "make: WARNING: java, javac or mvn is missing and cannot be installed here (not root, or no apt-get); the Neo4j tests will FAIL" >&2; \
	fi
	@# A Chinese font (Debian's fonts-noto-cjk, else fonts-wqy-zenhei): the browser tests
	@# check that Chinese names are drawn as glyphs, not empty boxes (tests/viz), and make
	@# screenshots needs one; they fail without it in CI, and skip loudly elsewhere.
	@if command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=zh family 2>/dev/null)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing Debian's fonts-noto-cjk (Chinese names in the views and their browser tests)"; \
		( apt-get update -qq && ( DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fontconfig fonts-noto-cjk >/dev/null \
		  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fontconfig fonts-wqy-zenhei >/dev/null ) ) \
		|| echo "make: WARNING: could not install a Chinese font (fonts-noto-cjk or fonts-wqy-zenhei); the browser test of Chinese names cannot pass" >&2; \
	else \
		echo "make: WARNING: no Chinese font is installed and none can be installed here (not root, or no apt-get); the browser test of Chinese names cannot pass" >&2; \
	fi

# The test Neo4j: Maven resolves Neo4j and GDS from Maven Central (into ~/.m2, once) and
# builds the launcher before pytest runs, so a download problem stops `make test` here,
# with Maven's own words (tests/neo4j_server.py build).
.PHONY: neo4j-test-server
neo4j-test-server: $(STAMP_TEST) system-deps
	$(PY) tests/neo4j_server.py build

test: $(STAMP_TEST) system-deps neo4j-test-server
	$(PY) -m pytest

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check guanxi graph loaders algorithms api viz tests

clean:
	rm -rf $(VENV) demo guanxi.duckdb .pytest_cache

# Benchmarks at bank scale (benchmarks/run.py): writes benchmarks/results/*.json and
# RESULTS.md. Options through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--customers 100000 --only load,analyze"
STAMP_BENCH := $(VENV)/.installed-bench

$(STAMP_BENCH): pyproject.toml $(STAMP_TEST)
	$(PIP) install --quiet -e '.[test,bench]'
	touch $@

bench: $(STAMP_BENCH)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# The README's screenshots (docs/screenshots/*.png), regenerated from the demo bank's
# report and views in headless Chromium with a Chinese font (system-deps installs both
# when root): docs/screenshots/make_screenshots.py.
.PHONY: screenshots
screenshots: $(STAMP_TEST) system-deps
	$(PY) docs/screenshots/make_screenshots.py
