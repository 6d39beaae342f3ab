"""Tables as files to download: CSV that spreadsheets open safely, and Parquet."""

from __future__ import annotations

import csv
import io

import pandas as pd

from shortory_core.untrusted import spreadsheet_frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as a UTF-8 CSV download that a spreadsheet opens without running anything.
    Every text cell is quoted, so a line break or carriage return inside one stays inside."""
    return spreadsheet_frame(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC
                                           ).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as a Parquet file (types kept; column names made text)."""
    buffer = io.BytesIO()
    frame.rename(columns=str).to_parquet(buffer, index=False)
    return buffer.getvalue()
