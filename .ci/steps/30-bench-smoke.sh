#!/usr/bin/env bash
# The benchmarks in smoke mode: a few thousand iterations, results to reports/bench/ (not bench/results),
# so CI proves `npm run bench` runs and that 1000 cold callers make one token request.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_SMOKE=1 npm run -s bench
