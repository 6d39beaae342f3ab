#!/usr/bin/env bash
# Install everything the tests need, then lint and run the whole suite. Extra arguments go to
# pytest. Needs no network beyond the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.txt requirements-convert.txt requirements-ray.txt

# The browser tests drive Debian's Chromium (never a downloaded browser build); the fonts make
# Korean comments and emoji readable in its screenshots; iproute2's `ip` brings up loopback in
# the network namespace the live-session test runs in.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto color emoji" \
    || ! command -v ip >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium fonts-noto-cjk fonts-noto-color-emoji iproute2 >/dev/null
  else
    echo "chromium is not installed and this is not root: browser tests will be skipped." >&2
  fi
fi

"$VENV/bin/ruff" check .
exec "$VENV/bin/python" -m pytest "$@"
