# The commands people type. A fresh machine needs only python3 (3.11+) and make.
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .servelo/tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
# Trust the machine's certificate store (machines behind a TLS-inspecting proxy).
export UV_SYSTEM_CERTS := 1

# What mypy checks, one run each: a package with its tests. Every service's tests are a
# top-level `tests` package (tests.integration.conftest, ...), so one run over all of them
# would see the same module several times; the runs share .mypy_cache, so each rechecks
# little more than its own files.
MYPY_ROOTS := libs/common libs/devtools gateway $(sort $(wildcard services/*)) tools/cli deploy

.PHONY: help env run test chaos check fmt bench clean duplicates

help:
	@echo "make run    start Postgres + NATS (embedded unless SERVELO_DATABASE_URL/SERVELO_NATS_URL), every service and the gateway"
	@echo "make test   the whole test suite against real servers (fault tests included)"
	@echo "make chaos  only the fault tests: Postgres and NATS SIGKILLed under a steady writer"
	@echo "make check  ruff lint + format check + mypy (strict) over every package and its tests"
	@echo "make duplicates  pairs of copied code across two services (or a service and libs/common, gateway, tools)"
	@echo "make bench  gateway vs nginx, tickets, the service path vs pgbench, webhook deliveries -> docs/benchmarks*.md"

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml) | $(UV)
	$(UV) sync --locked --group dev
	@touch $@

env: .venv/.synced

run: env
	$(UV) run --no-sync python -m servelo_dev.devstack

test: env
	$(UV) run --no-sync pytest

chaos: env
	$(UV) run --no-sync pytest -m chaos -s libs/common/tests/chaos

check: env
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	@set -e; for root in $(MYPY_ROOTS); do echo "mypy $$root"; $(UV) run --no-sync mypy $$root; done

# The tool library's `duplicates` (on PATH where it is installed): the pairs of copied
# code whose two places are in two services, then those between a service and libs/common,
# the gateway or tools (docs/architecture.md says which remain and why).
PART := function part(p, a) { n = split(p, a, "/"); return (a[1] == "services" || a[1] == "libs") ? a[1] "/" a[2] : a[1] }
duplicates:
	@command -v duplicates >/dev/null || { echo "duplicates: not on PATH (the tool library's command)"; exit 1; }
	@duplicates --repo services --most 200 --seconds 120 | awk '$(PART) \
		NR == 1 || ($$3 == "~" && part("services/" $$2) != part("services/" $$4)) || /^\(\+|^(left out|incomplete):/'
	@duplicates --most 200 --seconds 120 | awk '$(PART) \
		NR == 1 || ($$3 == "~" && part($$2) != part($$4) && !(part($$2) ~ /^services/ && part($$4) ~ /^services/)) \
		|| /^\(\+|^(left out|incomplete):/'

fmt: env
	$(UV) run --no-sync ruff check --fix .
	$(UV) run --no-sync ruff format .

bench: env
	UV=$(UV) bash bench/run.sh
	@if [ -f bench/tickets_bench.py ]; then $(UV) run --no-sync python bench/tickets_bench.py; fi
	$(UV) run --no-sync python bench/e2e_bench.py
	$(UV) run --no-sync python bench/webhooks_bench.py

clean:
	rm -rf .venv .servelo .pytest_cache .mypy_cache .ruff_cache
