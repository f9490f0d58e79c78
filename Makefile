# Cusp: two commands on a fresh machine with python3 and make.
#   make report   create .venv if missing, install, render the default report into reports/
#   make test     create .venv if missing, install with the test extra, run the suite
#   make lab      open JupyterLab on notebooks/ with Cusp's kernel (adds --allow-root when run as root)
#   make app      serve the capacity what-if notebook as a page on http://localhost:8866 (Voila)
# Installing again is quick: a stamp file remembers what was installed, and pip runs again
# only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_BASE := $(VENV)/.installed-base
STAMP_TEST := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: install install-test report test test-slow lab app benchmarks clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_BASE): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name cusp --display-name "Cusp (Python 3)" >/dev/null
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name cusp --display-name "Cusp (Python 3)" >/dev/null
	touch $@ $(STAMP_BASE)

install: $(STAMP_BASE)
install-test: $(STAMP_TEST)

# Freshly synthesised extracts for the 004 preset → the annual evaluation; plus every preset's key
# numbers. Each report folder is replaced atomically (a failed render keeps the previous one).
REPORT_SCENARIO ?= lancs-edge-of-care-004
REPORT_SEED ?= 1
report: $(STAMP_BASE)
	$(BIN)/cusp synth --scenario $(REPORT_SCENARIO) --seed $(REPORT_SEED) --out reports/data
	$(BIN)/cusp render notebooks/annual_evaluation.ipynb --param data_dir=reports/data --param scenario=$(REPORT_SCENARIO) --out reports/annual-evaluation
	$(BIN)/cusp render notebooks/scenario_summary.ipynb --out reports/scenario-summary

test: $(STAMP_TEST)
	$(PY) -m pytest $(PYTEST_ARGS)

test-slow: $(STAMP_TEST)
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# Jupyter refuses to start as root unless told: containers and CI often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
APP_PORT ?= 8866
lab: $(STAMP_BASE)
	$(BIN)/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=cusp $(ROOT_FLAG)

# Voila serves the notebook as a page with its code hidden, on this machine only (127.0.0.1).
app: $(STAMP_BASE)
	$(BIN)/voila notebooks/capacity_what_if.ipynb --no-browser --port=$(APP_PORT) --Voila.ip=127.0.0.1

benchmarks: $(STAMP_TEST)
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
