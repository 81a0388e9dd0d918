# The two set-up commands (README): `make run` and `make test`. Each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The bot on SQLite (./socialbot.db) against a sandbox it starts (which brings its own fake
# credentials); the feed at http://127.0.0.1:8000/whats-new and the demo page at /demo.
run: $(STAMP)
	exec $(BIN)/socialbot run --with-sandbox

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check socialbot tests bench
	$(BIN)/ruff format --check socialbot tests bench
	$(BIN)/mypy socialbot

# Benchmarks print ratios measured side by side; they are never part of `make test`.
bench: $(STAMP)
	@set -e; found=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; found=1; echo "== $$script"; $(BIN)/python "$$script"; \
	done; [ $$found = 1 ] || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
