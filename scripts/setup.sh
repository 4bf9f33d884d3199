#!/usr/bin/env bash
# Idempotent set-up behind the README's two commands: the Debian packages kpx's
# dataplanes and tests use, and the npm dependencies (which pin Node 24).
set -euo pipefail
cd "$(dirname "$0")/.."

# The Debian packages the checkout needs whose command is missing (deploy/debian-packages.txt).
mapfile -t missing < <(bash scripts/debian-packages.sh test --missing)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: missing Debian packages (install them as root): ${missing[*]}" >&2
  fi
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
