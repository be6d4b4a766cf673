#!/usr/bin/env bash
# The npm pack tarball installed into a fresh ESM and a fresh CommonJS project, each type-checking
# against the package's declarations and getting a token from a Prism mock of openapi/.
# Needs dist/ (`.ci/run` builds before its steps). Prism and the temporary projects are cleaned up by
# the script itself, also on SIGINT/SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node scripts/consumer-smoke.mjs
