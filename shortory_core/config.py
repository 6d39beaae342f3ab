"""Where Shortory keeps its data and finds its models."""

from __future__ import annotations

import os
from pathlib import Path

from shortory_core.errors import storage_faults

DATA_DIR_ENV = "SHORTORY_HOME"
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
MODELS_DIR = PROJECT_ROOT / "models"


def data_path() -> Path:
    """Where the data folder is: ``$SHORTORY_HOME`` or ``~/.shortory`` (not created)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else Path.home() / ".shortory"


def data_dir() -> Path:
    """The folder holding the database and media (``data_path``), created if missing."""
    path = data_path()
    with storage_faults(path):
        path.mkdir(parents=True, exist_ok=True)
    return path
