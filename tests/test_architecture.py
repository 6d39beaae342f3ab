"""The package's boundaries hold: no import cycles, no import that runs back up a floor, and
every folder placed on a floor (``scripts/architecture.py``)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_runs_down_the_floors() -> None:
    done = subprocess.run([sys.executable, "scripts/architecture.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cycles 0  back-arrows 0" in done.stdout
