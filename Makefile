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

# Collections of the ansible package that nothing here imports (compileall skips them).
UNUSED_COLLECTIONS := site-packages/ansible_collections/(?!(amazon/aws|community/aws|ansible/posix)/)
$(VENV)/.stamp: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	@# The ansible package bundles every collection, tens of thousands of Python files: pip compiling
	@# them all took about 130 s. Compile everything but the collections this project does not use
	@# (26 s on two cores): PYTHONDONTWRITEBYTECODE may be set, and then Python would compile an
	@# uncompiled import again in every process.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements/dev.txt
	$(BIN)/python -m compileall -q -j 0 -x '$(UNUSED_COLLECTIONS)' $(VENV)/lib/python3*/site-packages >/dev/null
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
# make test: everything that proves it works, in lanes that run side by side (make -j): lint,
# sanity, the unit tests, three lanes of integration targets, one lane per molecule scenario
# and one per scenario script. Each lane that
# needs AWS gets a fresh emulator of its own on its own port (tools/with-emulator.sh), so a demo left
# running on $(EMULATOR_PORT) is never reset under the user's feet and lanes never see each other.
TEST_EMULATOR_PORT ?= 5001
# Every lane at once by default (the short ones at a lower priority, see NICE_LANES below).
TEST_JOBS ?= $(words $(TEST_LANES))
WITH_TEST_EMULATOR := tools/with-emulator.sh $(EMULATOR_HOST) $(TEST_EMULATOR_PORT)
ALL_INTEGRATION_TARGETS := $(sort $(notdir $(patsubst %/,%,$(wildcard tests/integration/targets/*/))))
# Three lanes of integration targets, of about a third of their CPU time each (make test prints the
# CPU time of every lane); lane 1 takes every target the other two do not name, new ones included.
INTEGRATION_LANE_2 ?= path_verify gateway_ready demo_instances vpc_target_subnets vpc_peering_requests
INTEGRATION_LANE_3 ?= vpc_link rest_api vpc_link_info vpc_teardown vpc_peering_accept
INTEGRATION_LANE_1 := $(filter-out $(INTEGRATION_LANE_2) $(INTEGRATION_LANE_3),$(ALL_INTEGRATION_TARGETS))
MOLECULE_SCENARIOS := $(sort $(notdir $(patsubst %/,%,$(wildcard extensions/molecule/*/))))
# Scenario scripts (tests/scenarios/*.sh): each runs against a fresh emulator of its own and ends with
# "<name>: passed in N s" (installed tarball, Organizations inventory, execution environment, the
# other supported Ansible releases).
SCENARIOS := $(sort $(notdir $(basename $(wildcard tests/scenarios/*.sh))))
TEST_LANES := test-sanity test-lint test-unit $(addprefix test-scenario-,$(filter compat_smoke,$(SCENARIOS))) \
  $(addprefix test-molecule-,$(MOLECULE_SCENARIOS)) test-integration-1 test-integration-2 test-integration-3 \
  $(addprefix test-scenario-,$(filter-out compat_smoke,$(SCENARIOS)))

.PHONY: test $(TEST_LANES)
# Each lane reports its wall and CPU time (tools/lane_time.py); make test ends with the table of all.
# The lanes that need little CPU run at a lower priority (nice): the long lanes get the cores first and
# the short ones fill the gaps, so that all end at about the same time instead of one long lane
# finishing alone on one core.
# Not org_inventory: with 20% of its calls throttled, it twice failed to assume a role in CI on a loaded
# machine (it passes alone in 40 s, 20 CPU-s). The cause found the second time: the emulator capped a
# throttle streak per credentials, not per SDK call, and its 3 accounts assume their roles with one set of
# keys (fixed, tools/emulator/README.md); its STS calls also back off now. It keeps full priority.
NICE_LANES ?= test-scenario-execution_environment test-scenario-safety \
  test-scenario-install_tarball test-molecule-dedicated test-integration-3
LANE = $(if $(filter $@,$(NICE_LANES)),nice -n 10) $(BIN)/python tools/lane_time.py $(patsubst test-%,%,$@)
export LANE_TIMES := $(CURDIR)/.cache/lane-times.tsv
# Each lane's output is also kept in .cache/lanes/<lane>.log; when a lane fails, make test ends with the
# last lines of its log, so that the end of the output (what a CI page shows) says why.
LANE_LOGS := $(CURDIR)/.cache/lanes
test: venv ## every lane side by side: lint, sanity, unit, emulator tests; integration targets; molecule scenarios
	@mkdir -p .cache && : >$(LANE_TIMES) && rm -rf $(LANE_LOGS); started=$$(date +%s); \
	status=0; LANE_LOGS=$(LANE_LOGS) $(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target $(TEST_LANES) \
	  || status=$$?; \
	wall=$$(( $$(date +%s) - started )); \
	sort -t$$'\t' -k4,4nr $(LANE_TIMES) | awk -F'\t' '{cpu += $$4; printf "  %-34s %-6s wall %5d s  cpu %5d s\n", $$1, $$2, $$3, $$4} \
	  END {printf "  %-34s        wall %5d s  cpu %5d s (lanes; emulators not counted)\n", "all lanes", '"$$wall"', cpu}'; \
	if [ $$status -ne 0 ]; then \
	  LANE_LOGS=$(LANE_LOGS) $(BIN)/python tools/lane_time.py --failures; \
	  echo "make test: FAILED after $$wall s"; exit $$status; fi; \
	echo "make test: $(words $(TEST_LANES)) lanes passed in $$wall s"

# Lint and sanity are two lanes: one after the other, they were the last lane to end, alone on one core
# for the last 90 s of make test.
test-lint: venv
	$(LANE) $(MAKE) --no-print-directory lint
test-sanity: venv
	$(LANE) $(MAKE) --no-print-directory sanity
test-unit: venv
	$(LANE) $(MAKE) --no-print-directory -j1 unit emulator-tests
test-integration-1: venv
	$(LANE) tools/with-emulator.sh $(EMULATOR_HOST) 5011 \
	  $(MAKE) --no-print-directory integration INTEGRATION_TARGETS="$(INTEGRATION_LANE_1)" EMULATOR_PORT=5011
test-integration-2: venv
	$(LANE) tools/with-emulator.sh $(EMULATOR_HOST) 5012 \
	  $(MAKE) --no-print-directory integration INTEGRATION_TARGETS="$(INTEGRATION_LANE_2)" EMULATOR_PORT=5012
test-integration-3: venv
	$(LANE) tools/with-emulator.sh $(EMULATOR_HOST) 5013 \
	  $(MAKE) --no-print-directory integration INTEGRATION_TARGETS="$(INTEGRATION_LANE_3)" EMULATOR_PORT=5013
$(addprefix test-molecule-,$(MOLECULE_SCENARIOS)): test-molecule-%: venv
	$(LANE) tools/with-emulator.sh $(EMULATOR_HOST) $(call scenario_port,$*) \
	  $(MAKE) --no-print-directory molecule MOLECULE_SCENARIO=$* EMULATOR_PORT=$(call scenario_port,$*)
# Emulator port of a molecule scenario: 5020 + its 1-based position in MOLECULE_SCENARIOS.
scenario_port = $(shell echo $$((5020 + $(call index_of,$(1),$(MOLECULE_SCENARIOS)))))
index_of = $(firstword $(foreach i,$(shell seq $(words $(2))),$(if $(filter $(1),$(word $(i),$(2))),$(i))))
$(addprefix test-scenario-,$(SCENARIOS)): test-scenario-%: venv
	$(LANE) tools/with-emulator.sh $(EMULATOR_HOST) $(call script_port,$*) tests/scenarios/$*.sh
# Emulator port of a scenario script: 5030 + its 1-based position in SCENARIOS.
script_port = $(shell echo $$((5030 + $(call index_of,$(1),$(SCENARIOS)))))

.PHONY: lint
lint: venv ## ansible-lint (production profile, no skips), black, isort, cfn-lint, changelog fragments; the IAM template matches policies/
	@# The changelog fragments first (1 s): sanity's changelog test finds a broken one only at the end of make test.
	antsibull-changelog lint
	ansible-lint
	cfn-lint policies/account-roles.cfn.yaml
	$(BIN)/python tools/iam_policies.py render --check
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

INTEGRATION_TARGETS ?= $(ALL_INTEGRATION_TARGETS)
.PHONY: integration
integration: venv ## integration targets against the emulator on $(EMULATOR_PORT) (reset between targets)
	@for target in $(INTEGRATION_TARGETS); do \
	  echo "=== integration target: $$target"; \
	  started=$$(date +%s); \
	  $(EMULATOR) reset >/dev/null; \
	  ANSIBLE_ROLES_PATH=tests/integration/targets \
	    ansible-playbook tests/integration/run_target.yml -e integration_target=$$target || exit 1; \
	  echo "=== integration target: $$target passed in $$(( $$(date +%s) - started )) s"; \
	done

MOLECULE_SCENARIO ?=
.PHONY: molecule
molecule: venv ## molecule scenarios (default driver) against the emulator on $(EMULATOR_PORT); MOLECULE_SCENARIO=name for one
	@# A run that failed leaves molecule's state saying "created/prepared": start from scratch.
	@if [ -n "$(MOLECULE_SCENARIO)" ]; then \
	  molecule reset -s $(MOLECULE_SCENARIO) >/dev/null && molecule test -s $(MOLECULE_SCENARIO); \
	else \
	  molecule reset --all >/dev/null && molecule test --all; \
	fi

.PHONY: benchmark
benchmark: venv ## collection vs stock baseline, then 3/24/100 services, on a fresh emulator (port BENCH_EMULATOR_PORT, default 5050; BENCH_ARGS="--cases A --pairs 1"); print wall, AWS calls, module runs, changed
	tools/with-emulator.sh $(EMULATOR_HOST) $(or $(BENCH_EMULATOR_PORT),5050) $(BIN)/python benchmarks/scale.py $(BENCH_ARGS)

.PHONY: ee
ee: venv ## build the execution environment image for AWX / AAP (needs podman or docker)
	rm -f multiaccount-apigateway-*.tar.gz && ansible-galaxy collection build --force
	ansible-builder build --file execution-environment.yml --tag multiaccount-apigateway-ee:$$(sed -n 's/^version: //p' galaxy.yml)

.PHONY: clean
clean: ## remove caches and reports (keeps .venv)
	rm -rf .cache tests/output reports
