# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= config/monitor.toml
PIP    := $(BIN)/python -m pip

.PHONY: run test lint typecheck unit fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	# argostranslate only for the parity test, without stanza/spaCy/PyTorch behind it.
	$(PIP) install --quiet --no-deps -c constraints.txt argostranslate
	touch $@

run: $(VENV)/.installed
	$(BIN)/monitor --config $(CONFIG) models ensure || true
	$(BIN)/monitor --config $(CONFIG) run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check monitor tests bench
	$(BIN)/ruff format --check monitor tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck unit

# The property-based fuzz targets with many more (and random) examples than `make test` runs.
fuzz: $(VENV)/.installed-test
	MONITOR_FUZZ_EXAMPLES=5000 MONITOR_FUZZ_RANDOM=1 $(BIN)/python -m pytest -q -k fuzz --timeout 3600 $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/langid.py
	$(BIN)/python bench/collect.py
	$(BIN)/python bench/translate.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/statements.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/handoff.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
