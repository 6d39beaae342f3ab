# Sourced by start.sh and test.sh: make .venv (or $SHORTORY_VENV) hold the given requirements.
# A stamp of the requirement files' hash skips pip when nothing changed, so starts stay fast.
ensure_venv() {
  VENV=${SHORTORY_VENV:-.venv}
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  fi
  local stamp="$VENV/.shortory-requirements" wanted
  wanted=$(cat "$@" requirements.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing Python packages into $VENV (first run takes about a minute)…"
    for file in "$@"; do
      "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$file"
    done
    echo "$wanted" > "$stamp"
  fi
}
