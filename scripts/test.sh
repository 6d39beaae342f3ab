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
ensure_debs "the browser tests, caption fonts, the live test's network namespace" \
  'command -v chromium && fc-list | grep -qi "noto color emoji" && command -v ip \
   && ls /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc' \
  chromium fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core iproute2

"$VENV/bin/ruff" check .
exec "$VENV/bin/python" -m pytest "$@"
