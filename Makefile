# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
# pipefail: a failing install fails the target even when its output is filtered.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Nothing is ever downloaded from a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: run test setup index lint unit browser-deps eval bench clean

run: index
	$(BIN)/python app.py

test: setup browser-deps lint
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	@echo "Installing the app and its tools into $(VENV) (a few minutes the first time; torch is the largest)..."
	$(BIN)/python -m pip install --progress-bar off -c constraints.txt -e ".[dev]" | awk '/^(Collecting|Successfully)/ { print; fflush() }'
	$(BIN)/python -m pip check
	@touch $@

# Builds the index only when it is missing, stale or corrupt.
index: setup
	$(BIN)/assistant index

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: index
	$(BIN)/assistant eval

# Speed against the bare models (docs/PERFORMANCE.md); e.g. make bench BENCH_ARGS="--parts http --out /tmp/b".
bench: index
	$(BIN)/assistant bench $(BENCH_ARGS)

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
browser-deps:
	@test -x $(CHROMIUM) || ( $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-dejavu-core )

clean:
	rm -rf $(VENV) .hypothesis index/manifest.json index/spans.json index/dense.faiss index/*.npy index/bm25 index/embeddings .pytest_cache .mypy_cache .ruff_cache
