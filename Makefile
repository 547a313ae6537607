# The commands people type. A fresh machine needs only python3 (3.11+) and make.
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .servelo/tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
# Trust the machine's certificate store (machines behind a TLS-inspecting proxy).
export UV_SYSTEM_CERTS := 1

PACKAGES := libs/common/servelo_common gateway/gateway services/auth/auth \
	services/tickets/tickets services/crm/crm services/finance/finance services/team/team \
	services/webhooks/webhooks tools/cli/servelo_cli

.PHONY: help env run test chaos check fmt bench clean

help:
	@echo "make run    start Postgres + NATS (embedded unless SERVELO_DATABASE_URL/SERVELO_NATS_URL), every service and the gateway"
	@echo "make test   the whole test suite against real servers (fault tests included)"
	@echo "make chaos  only the fault tests: Postgres and NATS SIGKILLed under a steady writer"
	@echo "make check  ruff lint + format check + mypy (strict)"
	@echo "make bench  gateway vs nginx, tickets, the service path vs pgbench, webhook deliveries -> docs/benchmarks*.md"

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml) | $(UV)
	$(UV) sync --locked --group dev
	@touch $@

env: .venv/.synced

run: env
	$(UV) run --no-sync python -m servelo_common.devstack

test: env
	$(UV) run --no-sync pytest

chaos: env
	$(UV) run --no-sync pytest -m chaos -s libs/common/tests/chaos

check: env
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy $(wildcard $(PACKAGES))

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
