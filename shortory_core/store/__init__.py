"""The embedded database (SQLite) and the media folder beside it."""

from shortory_core.store.db import SAMPLE_COLUMNS, Store

__all__ = ["SAMPLE_COLUMNS", "Store"]
