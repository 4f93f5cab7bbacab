# Two set-up commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint eval bench ingest browser postgres clean coverage-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned first: an unpinned torch pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/policy-assistant serve

ingest: $(STAMP)
	$(BIN)/policy-assistant ingest

# Headless Chromium from Debian for the browser test.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# PostgreSQL from Debian for the answer-log test (it starts its own throwaway server).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# Format, lint, types and the import layers (pyproject.toml), before any test runs.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) browser postgres lint
	$(BIN)/pytest -q -p no:cacheprovider

eval: $(STAMP)
	$(BIN)/policy-assistant eval --retriever all

bench: $(STAMP)
	$(BIN)/policy-assistant bench

# Retrain the answerer's coverage model (assistant/resources/coverage_model.json) on every set in evals/sets but
# the held-out ones (scored once, seen by no rule or weight).
HELD_OUT := evals/sets/blind18.jsonl evals/sets/blind19.jsonl evals/sets/blind22.jsonl
coverage-model: $(STAMP)
	$(BIN)/python -m evals.coverage_model --sets $(filter-out $(HELD_OUT),$(wildcard evals/sets/*.jsonl))

clean:
	rm -rf data evals/out bench/work
