#!/usr/bin/env bash
# Install what the app needs (first run only) and start it on http://127.0.0.1:8501
# with the built-in demo project. Extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements.txt
# Captions are drawn in Noto Sans CJK (Korean and Latin) and fall back to DejaVu (Latin).
ensure_debs "fonts for captions in Korean and Latin" \
  "ls /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc" fonts-noto-cjk fonts-dejavu-core
# Streamlit holds an upload in memory until the page writes it to disk (in chunks): the limit
# bounds that. SHORTORY_MAX_UPLOAD_MB changes it.
exec "$VENV/bin/python" scripts/serve.py --server.address "${SHORTORY_ADDRESS:-127.0.0.1}" \
  --server.maxUploadSize "${SHORTORY_MAX_UPLOAD_MB:-2048}" "$@"
