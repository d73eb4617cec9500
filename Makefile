# Two commands set everything up on a fresh machine with Python >= 3.11 and pip:
#   make demo   - create .venv, install kktc, check every example problem
#   make test   - create .venv, install kktc[test], run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# XLA:CPU once deadlocked on jit(vmap(while_loop)) with large batches; this flag cured it.
export XLA_FLAGS ?= --xla_cpu_enable_concurrency_optimized_scheduler=false

.PHONY: demo test test-slow clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/kktc check examples/*.kkt

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m slow || [ $$? -eq 5 ]

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
