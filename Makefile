# multiaccount.apigateway: two commands do all the set-up on a fresh machine.
#   make demo   bootstrap .venv, start the local AWS emulator, converge inventories/local, verify
#   make test   everything that proves it works (lint, sanity, unit, emulator, integration, molecule)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
COLLECTION_LINK := $(VENV)/collections/ansible_collections/multiaccount/apigateway

EMULATOR_HOST ?= 127.0.0.1
EMULATOR_PORT ?= 5000
EMULATOR := $(BIN)/python tools/emulator/launcher.py --host $(EMULATOR_HOST) --port $(EMULATOR_PORT)

# Everything below talks to the local emulator with its dummy credentials, never to AWS.
export AWS_ENDPOINT_URL := http://$(EMULATOR_HOST):$(EMULATOR_PORT)
export AWS_ACCESS_KEY_ID := testing
export AWS_SECRET_ACCESS_KEY := testing
export AWS_DEFAULT_REGION := us-east-1
unexport AWS_SESSION_TOKEN AWS_PROFILE AWS_SECURITY_TOKEN
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(VENV)/.stamp: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

$(COLLECTION_LINK): | $(VENV)/.stamp
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

.PHONY: venv
venv: $(VENV)/.stamp $(COLLECTION_LINK) ## bootstrap the pinned virtualenv (idempotent)

.PHONY: lock
lock: ## re-resolve requirements/dev.in into requirements/dev.txt
	rm -rf .cache/lock-venv && $(PYTHON) -m venv .cache/lock-venv
	.cache/lock-venv/bin/pip install --quiet -r requirements/dev.in
	{ echo '# Pinned closure of requirements/dev.in (pip freeze on Python 3.11). Regenerate with: make lock'; \
	  .cache/lock-venv/bin/pip freeze; } > requirements/dev.txt

# Realism: VPC links stay PENDING this long after creation, so the waiters really poll.
export EMULATOR_VPC_LINK_PENDING_SECONDS ?= 2

.PHONY: emulator-start emulator-stop emulator-status emulator-reset
emulator-start: venv ## start the patched moto server on $(EMULATOR_HOST):$(EMULATOR_PORT)
	$(EMULATOR) start
emulator-stop: ## stop the emulator
	$(EMULATOR) stop
emulator-status: ## is the emulator up?
	$(EMULATOR) status
emulator-reset: ## forget every resource in the emulator
	$(EMULATOR) reset

# ---------------------------------------------------------------------------------------------
# make demo: converge the local inventory on the emulator, verify it, print what was built.
.PHONY: demo
demo: emulator-start ## start the emulator, converge inventories/local, verify, print the published paths
	ansible-playbook -i inventories/local site.yml -e verify_report_dir=$(CURDIR)/reports
	@echo
	@echo "Path report: $(CURDIR)/reports/path-verify.md (Mermaid diagram and a table of every hop)"
	@for f in reports/path-verify.png reports/path-verify.svg; do \
	  if [ -f $$f ]; then echo "Topology:    $(CURDIR)/$$f"; fi; done
	@command -v dot >/dev/null || echo "Topology images need Graphviz (e.g. apt-get install graphviz); the Markdown report has the Mermaid diagram."
	@echo "Emulator: $(AWS_ENDPOINT_URL)   (make emulator-stop to stop it; make teardown to remove everything)"

.PHONY: teardown
teardown: venv ## remove everything the collection created in inventories/local
	ansible-playbook -i inventories/local playbooks/teardown.yml

# ---------------------------------------------------------------------------------------------
# make test: everything that proves it works. Tests use their own emulator port so that a demo
# left running on $(EMULATOR_PORT) is not reset under the user's feet.
TEST_EMULATOR_PORT ?= 5001
WITH_TEST_EMULATOR := tools/with-emulator.sh $(EMULATOR_HOST) $(TEST_EMULATOR_PORT)

.PHONY: test
test: venv lint sanity unit ## lint, sanity, unit, then emulator, integration and molecule on a fresh emulator
	$(MAKE) --no-print-directory emulator-tests
	$(WITH_TEST_EMULATOR) $(MAKE) --no-print-directory integration molecule \
	  EMULATOR_PORT=$(TEST_EMULATOR_PORT)

.PHONY: lint
lint: venv ## ansible-lint (production profile, no skips), black, isort
	ansible-lint
	black --check --quiet plugins tests tools benchmarks
	isort --check-only --quiet plugins tests tools benchmarks

.PHONY: sanity
sanity: venv ## ansible-test sanity in a temporary ansible_collections tree, empty ignore files
	tools/sanity.sh

.PHONY: unit
unit: venv ## unit tests (pure logic and modules, no AWS)
	PYTHONPATH=$(CURDIR)/$(VENV)/collections pytest tests/unit -q

.PHONY: emulator-tests emulator-prove
emulator-tests: venv ## regression tests of the emulator's fidelity patches (and of the launcher)
	@# They start an emulator of their own on a free port: they set its realism knobs to 0.
	env -u EMULATOR_URL pytest tests/emulator -q
emulator-prove: venv ## prove every emulator patch is needed: its tests fail without it (~2.5 min)
	$(BIN)/python tools/emulator/prove.py

INTEGRATION_TARGETS ?= $(notdir $(patsubst %/,%,$(wildcard tests/integration/targets/*/)))
.PHONY: integration
integration: venv ## every integration target against the emulator (reset between targets)
	@for target in $(INTEGRATION_TARGETS); do \
	  echo "=== integration target: $$target"; \
	  $(EMULATOR) reset >/dev/null; \
	  ANSIBLE_ROLES_PATH=tests/integration/targets \
	    ansible-playbook tests/integration/run_target.yml -e integration_target=$$target || exit 1; \
	done

.PHONY: molecule
molecule: venv ## molecule scenarios (default driver) against the emulator
	@# A run that failed leaves molecule's state saying "created/prepared": start from scratch.
	molecule reset --all >/dev/null
	molecule test --all

.PHONY: benchmark
benchmark: venv ## publish 120 services on the emulator (BENCH_ARGS="--services N --providers P"); print time, API calls, changes
	$(WITH_TEST_EMULATOR) $(BIN)/python benchmarks/scale.py $(BENCH_ARGS)

.PHONY: clean
clean: ## remove caches and reports (keeps .venv)
	rm -rf .cache tests/output reports
