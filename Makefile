# cloudstack.dr: `make demo` and `make test` from a fresh clone; everything lands in .venv and build/.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
COLLECTION := build/collections/ansible_collections/cloudstack/dr
STAMP := $(VENV)/.installed
SIM_PYPROJECT := $(wildcard simulator/pyproject.toml)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help venv demo test lint sanity unit integration molecule chaos bench bench-simulator clean

help:
	@echo "make demo   the whole DR cycle on the simulator (configure, prepare, failover, failback, clean-up); reports in build/demo"
	@echo "make test   lint, sanity, unit, integration, molecule"
	@echo "make chaos  failover/failback under kills, API faults, restarts (RUNS=20 SEED=random VMS=50)"
	@echo "make bench  the DR cycle of N VMs phase by phase, against the cloud's bound (N=1000 LATENCY=1 WORKERS=125 BIG=1)"
	@echo "other targets: venv lint sanity unit integration molecule bench-simulator clean"

venv: $(STAMP) $(COLLECTION)

# Reinstalled only when a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt $(SIM_PYPROJECT)
	test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	if [ -n "$(SIM_PYPROJECT)" ]; then $(PY) -m pip install --quiet ./simulator; fi
	touch $@

# The collection, as Ansible and the tests import it: a link to this tree, so edits need no reinstall.
$(COLLECTION):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

demo: venv
	$(PY) scripts/demo.py

test: lint sanity unit integration molecule

# mypy reads mypy.ini; it checks the collection as Ansible imports it (build/collections, made by venv).
lint: venv
	$(BIN)/ruff check plugins scripts tests simulator bench docs/adapters
	$(BIN)/mypy -p ansible_collections.cloudstack.dr.plugins
	$(BIN)/ansible-lint --profile production

# ansible-test sanity needs to download its pip bootstrap, which is not reachable offline:
# ansible-doc renders every module and argument specs are checked against DOCUMENTATION instead.
sanity: venv
	$(PY) scripts/check_docs.py

unit: venv
	$(PY) -m pytest -q tests/unit

# Each xdist worker starts its own simulators on free ports; a test module stays on one worker
# (loadscope) because its tests share a module-scoped cloud and build on each other in order.
# tests/chaos is the fixed-seed sample of `make chaos`.
integration: venv
	$(PY) -m pytest -q -n 2 --dist loadscope tests/integration simulator/tests tests/chaos

# The scenario talks to a simulator that this target starts (and stops) around the whole run.
molecule: venv
	cd extensions && PATH="$(CURDIR)/$(BIN):$$PATH" ../$(PY) ../scripts/simhost.py --dir ../build/molecule -- \
		molecule test --all

# Randomized fault injection; prints its seed (SEED=N replays it) and a table; fails on any violation.
RUNS ?= 20
SEED ?=
VMS ?= 50
chaos: venv
	$(PY) -m tests.chaos.harness --runs $(RUNS) --vms $(VMS) $(if $(SEED),--seed $(SEED))

# The DR cycle (configure, prepare, re-prepare, reconcile, failover, failback) of 100 and N VMs
# (and 5,000 with BIG=1) through ansible-playbook, plus the naive baseline on 100 VMs; results in
# bench/results/ and the README's Benchmarks table.
N ?= 1000
LATENCY ?= 1
WORKERS ?= 125
BIG ?=
bench: venv
	$(PY) bench/run.py --sizes 100,$(N)$(if $(BIG),$(comma)5000) --latency $(LATENCY) --workers $(WORKERS)

comma := ,

# The simulator's own speed: signed calls per second and async jobs in flight.
bench-simulator: venv
	$(PY) -m simulator.bench

clean:
	rm -rf build $(VENV) .pytest_cache .ruff_cache .mypy_cache
