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

.PHONY: emulator-start emulator-stop emulator-status
emulator-start: venv ## start the patched moto server on $(EMULATOR_HOST):$(EMULATOR_PORT)
	$(EMULATOR) start
emulator-stop: ## stop the emulator
	$(EMULATOR) stop
emulator-status: ## is the emulator up?
	$(EMULATOR) status
