# The workshop's two commands: `make lab` (start here) and `make test` (CI runs this).
# Both create .venv and install the kit into it first; nothing else is needed but python3.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install lab test bench down clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(INSTALLED)

install: $(INSTALLED)

## Start the local stack and open JupyterLab on the notebooks (loopback only).
## JupyterLab refuses root unless told; workshop VMs and containers often run as root.
lab: install
	$(BIN)/agentcore-local up
	WORKSHOP_BACKEND=$${WORKSHOP_BACKEND:-local} $(BIN)/jupyter lab notebooks/ \
		--ServerApp.ip=127.0.0.1 $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## Run the whole test suite (unit, local-stack integration, notebooks).
test: install
	$(BIN)/python -m pytest

## Measure the kit on this machine; prints a table and writes bench.json.
bench: install
	$(BIN)/python -m helpers.tooling.bench

## Stop the local stack.
down: install
	$(BIN)/agentcore-local down

clean: down
	rm -rf .workshop
