#!/usr/bin/env bash
# The package as a fresh clone packs it: a `git clone` of HEAD that was never built, `npm pack` there
# (prepack builds dist/), the tarball installed into a fresh ESM and a fresh CommonJS project, each
# type-checking against the package's declarations and getting a token from a Prism mock of openapi/.
# The clone, Prism and the temporary projects are cleaned up by the script, also on SIGINT/SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node scripts/consumer-smoke.mjs
