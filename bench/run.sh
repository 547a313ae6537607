#!/usr/bin/env bash
# `make bench`: gateway vs nginx vs direct, written to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update && apt-get install -y nginx wrk
fi
UV="${UV:-$(command -v uv || echo .servelo/tools/bin/uv)}"
UV_PYTHON_DOWNLOADS=never "$UV" run --no-sync python bench/gateway_bench.py "$@"
