#!/usr/bin/env bash
# The whole test suite: set-up, type check, lint, the formatter's check, then every vitest project of
# vitest.config.ts (unit, e2e, kernel, lab). vitest's summary line is last.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH:/usr/sbin:/sbin"
echo "node $(node --version)" >&2
tsc --noEmit -p .
eslint .
prettier --check . >&2
exec vitest run "$@"
