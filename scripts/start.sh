#!/usr/bin/env bash
# Install what the app needs (first run only) and start it on http://127.0.0.1:8501
# with the built-in demo project. Extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements.txt
exec "$VENV/bin/python" -m streamlit run app.py --server.address "${SHORTORY_ADDRESS:-127.0.0.1}" "$@"
