# hcckg: every install step lives here. `make serve` and `make test` work on a fresh machine
# with only Python 3.11+, pip and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
APT    := $(shell command -v apt-get 2>/dev/null)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv assets build serve test lint format bench fuzz browser-deps bench-deps deploy-deps clean

venv: $(STAMP)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools always adds an informational "Editable installation" note for a package-dir
	@# mapping (about editable mode itself, not this project); it is silenced by its exact text.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end packages for the query page, fetched from the npm registry (no CDN at run time).
assets: venv
	$(BIN)/python -m hcckg.server.assets

build: venv
	$(BIN)/hcckg build

serve: venv assets build
	$(BIN)/hcckg serve

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Debian's chromium + chromedriver for the headless-browser tests.
browser-deps:
	@if command -v chromedriver >/dev/null 2>&1 && (command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1); then :; \
	elif [ -n "$(APT)" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "warning: no apt-get; browser tests will be skipped"; fi

# systemd-analyze, which checks the shipped unit (server/deploy/hcckg.service) in the tests.
deploy-deps:
	@if command -v systemd-analyze >/dev/null 2>&1; then :; \
	elif [ -n "$(APT)" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq systemd >/dev/null; \
	else echo "error: install systemd-analyze (systemd)"; exit 1; fi

# wrk, the load generator of the benchmark.
bench-deps:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif [ -n "$(APT)" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; \
	else echo "error: install wrk"; exit 1; fi

test: venv assets browser-deps deploy-deps lint
	$(BIN)/python -m pytest -q

bench: venv bench-deps
	$(BIN)/hcckg bench

# 10,000 generated hostile requests against a live `hcckg serve` of the real build (not part
# of `make test`, which runs a bounded sample: tests/test_server_fuzz.py). Fails on any 5xx
# but the documented 503s, any dead worker and any hang.
fuzz: venv build
	$(BIN)/python -m hcckg.bench.fuzz --requests 10000

clean:
	rm -rf $(VENV) var build *.egg-info
