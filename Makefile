PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= data/demo
DEMO_PERSONS ?= 20000

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@test -x $(BIN)/python || uv venv --quiet --python $(PYTHON) $(VENV)
	uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

demo: install
	rm -rf $(DEMO_DIR)
	$(BIN)/returnees generate --persons $(DEMO_PERSONS) --seed 7 --out $(DEMO_DIR)
	$(BIN)/returnees run --landing $(DEMO_DIR)/landing --warehouse $(DEMO_DIR)/warehouse.duckdb
	$(BIN)/returnees score --truth $(DEMO_DIR)/truth.csv --warehouse $(DEMO_DIR)/warehouse.duckdb

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf data/demo .pytest_cache .mypy_cache
