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

# Make sure Debian's packages named after the test are installed (as root; otherwise say what
# is missing): ensure_debs "what for" TEST_COMMAND PACKAGE…
ensure_debs() {
  local why=$1 check=$2
  shift 2
  if ! eval "$check" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing $* ($why)…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
      echo "Not installed: $* ($why). Install them with your package manager." >&2
    fi
  fi
}
