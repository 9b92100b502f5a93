# Two commands a new user needs: `make demo` and `make test`. Both build .venv on first use
# and re-install only when pyproject.toml changes (the stamp file tracks it).
# `make test` as root also starts a single-node SLURM (scripts/slurm-up.sh) for the cluster test.
# `make dashboard` starts the instructor dashboard (the `negsim-dashboard` command) on
# http://127.0.0.1:8765/; it works without internet. `make notebook` adds JupyterLab (the
# `notebook` extra) and opens notebooks/ in it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test` and `make test-fast`: one per core by default (2 on CI).
# worksteal hands each worker a contiguous run of tests (a module's fixtures are mostly built
# once) and moves work from a busy worker to an idle one at the end. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist worksteal

.PHONY: demo test test-fast lint format clean dashboard viz-deps notebook slurm-up

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,viz]'
	touch $(STAMP)

# The dashboard offline: solara's browser assets from the npm registry into its cache in .venv
# (skipped when already there), and Debian's chromium for the browser test, installed only as
# root (otherwise that test is skipped).
viz-deps: $(STAMP)
	$(BIN)/python -m sim.viz.assets
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

demo: $(STAMP)
	$(BIN)/negsim

dashboard: viz-deps
	$(BIN)/negsim-dashboard

$(VENV)/.notebook: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,viz,notebook]'
	touch $@

# Jupyter refuses to run as root (containers) unless told to.
notebook: $(VENV)/.notebook
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# A single-node SLURM cluster on this machine for tests/cli/test_slurm.py, which runs a sweep on
# it: scripts/slurm-up.sh installs (apt-get, first use only) and starts it, as root only.
# Otherwise nothing is started, and that test is skipped, saying why.
slurm-up:
	@if [ "$$(id -u)" = 0 ]; then \
		scripts/slurm-up.sh; \
	else \
		echo "make test: not root, so no local SLURM is started (scripts/slurm-up.sh installs and starts one, as root only); tests/cli/test_slurm.py is skipped unless one is up already"; \
	fi

test: viz-deps slurm-up
	$(BIN)/ruff check sim tests benchmarks notebooks examples
	$(BIN)/ruff format --check sim tests benchmarks notebooks examples
	$(BIN)/python notebooks/strip_outputs.py --check
	$(BIN)/python -m pytest tests --nbmake notebooks $(XDIST)

# The fast part of the suite (no test marked slow, no notebooks, no browser): about a minute.
test-fast: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks notebooks examples
	$(BIN)/python -m pytest tests -m "not slow" -q $(XDIST)

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks notebooks examples

format: $(STAMP)
	$(BIN)/ruff format sim tests benchmarks notebooks examples
	$(BIN)/ruff check --fix sim tests benchmarks notebooks examples
	$(BIN)/python notebooks/strip_outputs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
