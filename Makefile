# The workshop's two commands: `make lab` (start here) and `make test` (CI runs this).
# Both create .venv and install what they need into it first; nothing else is needed but python3.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The kit's working state and the local stack's are one folder.
WORKSHOP_HOME := $(CURDIR)/.workshop
export AGENTCORE_WORKSHOP_HOME := $(WORKSHOP_HOME)
export AGENTCORE_LOCAL_HOME := $(WORKSHOP_HOME)
# The real agentcore CLI the contract tests run (npm @aws/agentcore, the version pinned in
# helpers/tooling/agentcore_cli.py) is cached under the working state, never installed globally.
export AGENTCORE_CLI_CACHE := $(WORKSHOP_HOME)/cache/agentcore-cli

.PHONY: lab test bench down clean messages agentcore-cli

# uv installs the same pins two to three times faster than pip; pip stays the fallback
# when uv cannot be had. Either way constraints.txt decides every version. uv writes no
# bytecode unless asked, and where PYTHONDONTWRITEBYTECODE is set (CI images often set it)
# every process would compile each module it imports, every time (pip compiles at install).
# overrides.txt says what uv leaves out, and why.
UV_INSTALL = $(BIN)/uv pip install --quiet --compile-bytecode --overrides overrides.txt
INSTALL = $(if $(wildcard $(BIN)/uv),$(UV_INSTALL) --python $(BIN)/python,$(BIN)/python -m pip install --quiet)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	-$(BIN)/python -m pip install --quiet -c constraints.txt uv

# One marker per set of extras: `make lab` needs JupyterLab, `make test` the dev tools too.
$(VENV)/.installed-lab: pyproject.toml constraints.txt overrides.txt | $(BIN)/python
	$(INSTALL) -c constraints.txt -e ".[lab]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt overrides.txt | $(BIN)/python
	$(INSTALL) -c constraints.txt -e ".[lab,dev]"
	touch $@ $(VENV)/.installed-lab

## Start the local stack and open JupyterLab on the workshop's folder (loopback only).
## The server's root holds notebooks/ and your project, my-project/ (made by notebook 00),
## and its terminals start there. JSON opens in the text editor, so agentcore.json can be
## edited from the notebooks' links. JupyterLab refuses root unless told; workshop VMs and
## containers often run as root. LAB_ROOT and LAB_ARGS exist for the browser test.
## `make lab WORKSHOP_LANG=zh-CN` opens the Chinese edition (notebooks/zh-CN/) in a Chinese
## JupyterLab, and the stack, the terminals and agentcore-local speak Chinese.
## Where npm is, the real agentcore CLI is installed once into .workshop/cache/ and linked as
## .venv/bin/agentcore: the terminal's `agentcore` (after `agentcore-local env`) is the real
## CLI, its `deploy` the local stack's. Without npm it is the stand-in, agentcore-local.
## LAB_CLI=stand-in leaves .venv/bin alone (the browser test: it must not install the CLI).
## `make lab LANG=zh-CN`, the spelling people try first, does the same: a LANG given to make
## picks the workshop's language and is not passed on to the programs make starts (to them
## LANG is the system's locale, and zh-CN names none; Python then uses UTF-8 anyway).
LAB_ROOT ?= $(CURDIR)
LAB_ARGS ?=
LAB_CLI ?= real
WORKSHOP_LANG ?= en
ifeq ($(origin LANG),command line)
ifneq ($(origin WORKSHOP_LANG),command line)
ifneq ($(filter zh-CN zh_CN zh_CN.UTF-8 zh_CN.utf8 zh,$(LANG)),)
WORKSHOP_LANG := zh-CN
endif
endif
unexport LANG
endif
EDITIONS := en zh-CN
EDITION_FOLDER := notebooks$(if $(filter-out en,$(WORKSHOP_LANG)),/$(WORKSHOP_LANG))
lab: $(VENV)/.installed-lab
	$(if $(filter $(WORKSHOP_LANG),$(EDITIONS)),,$(error WORKSHOP_LANG=$(WORKSHOP_LANG): choose one of $(EDITIONS)))
	$(if $(filter real,$(LAB_CLI)),$(BIN)/python -m helpers.tooling.agentcore_cli terminal $(BIN))
	WORKSHOP_LANG=$(WORKSHOP_LANG) $(BIN)/agentcore-local up --prerequisites agent/prerequisites.json
	cd "$(LAB_ROOT)" && WORKSHOP_BACKEND=$${WORKSHOP_BACKEND:-local} WORKSHOP_LANG=$(WORKSHOP_LANG) \
		AGENTCORE_WORKSHOP_PROJECT="$(LAB_ROOT)/my-project" SHELL=$${SHELL:-/bin/bash} \
		"$(CURDIR)/$(BIN)/jupyter" lab --ServerApp.root_dir="$(LAB_ROOT)" \
		--ServerApp.ip=127.0.0.1 $$([ "$$(id -u)" = 0 ] && echo --allow-root) \
		--LabApp.default_url=/lab/tree/$(EDITION_FOLDER)/00_setup.ipynb \
		--LabServerApp.app_settings_dir="$(CURDIR)/helpers/tooling/jupyterlab/$(WORKSHOP_LANG)" \
		$(LAB_ARGS)

## Run the whole test suite (unit, local-stack integration, notebooks, lint, types).
## The suite makes its own working-state folder and stack; yours are not touched.
## Where npm is available the suite installs the real agentcore CLI into the cache in the
## background (tests/real_cli.py), so the contract tests run it; without npm they are
## skipped, saying how to install it.
test: $(VENV)/.installed-dev
	$(BIN)/python -m helpers.tooling.suite

## Install the real agentcore CLI into .workshop/cache/ for the contract tests (needs npm).
agentcore-cli: $(VENV)/.installed-dev
	$(BIN)/python -m helpers.tooling.agentcore_cli install

## Measure the kit on this machine; prints a table and writes bench.json.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m helpers.tooling.bench

## Update the message catalogs (helpers/locale/*/LC_MESSAGES/workshop.po) from the sources:
## new messages arrive untranslated, changed ones fuzzy; translate them, then `make test`.
CATALOG_OPTIONS := --no-wrap
messages: $(VENV)/.installed-dev
	mkdir -p $(WORKSHOP_HOME)
	$(BIN)/pybabel extract -F babel.cfg --add-location=file --sort-by-file $(CATALOG_OPTIONS) \
		--project=agentcore-auth-workshop -o $(WORKSHOP_HOME)/workshop.pot .
	$(BIN)/pybabel update -i $(WORKSHOP_HOME)/workshop.pot -d helpers/locale -D workshop \
		--ignore-obsolete $(CATALOG_OPTIONS)

## Stop the local stack.
down: $(VENV)/.installed-lab
	$(BIN)/agentcore-local down

clean: down
	rm -rf .workshop
