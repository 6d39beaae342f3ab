"""The embedded database (SQLite) and the media folder beside it."""

from shortory_core.store.db import Store
from shortory_core.store.sample_files import SAMPLE_COLUMNS

__all__ = ["SAMPLE_COLUMNS", "Store"]
