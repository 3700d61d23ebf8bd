# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint clean

$(BIN)/tocsin: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(BIN)/tocsin
	$(BIN)/pip install --quiet -e '.[dev,postgres,mysql,redis]'
	touch $@

install: $(BIN)/tocsin
install-dev: $(VENV)/.dev

## Run Tocsin on SQLite with the example configuration.
run: install
	$(BIN)/tocsin serve --config examples/tocsin.yaml

## Install everything and run the whole test suite.
test: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
