"""Each sample part's counted samples summed per second of video: what a panel reads first.

A panel bins every viewer's samples into one-second cells. At 10,000 viewers that is 30
million samples grouped into 6 million cells, and most of the read went into that grouping.
Sums are additive, so each part is summed per second once, when it is written, and a grid
whose bins are whole seconds adds up the sums (600 rows for a 10-minute viewing instead of
3,000 samples; ``signals.grid.bin_sums``): the same means, a fraction of the work.

The sums are derived data, named by their content (``seconds_name``), and the part's row in
``sample_parts`` records that name: sums are only ever read with the part written together
with them, never with an older or newer write under the same key. A missing or
damaged sums file is not an error: the reader bins the samples themselves (parts written
before sums existed have none).
"""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.compute as pc

from shortory_core.records import PRODUCT_EMOTIONS

SECONDS_SUFFIX = ".seconds.parquet"
#: The sample columns summed: every per-viewer reading (a new signal's column belongs here
#: for a panel to read its sums).
SUMMED: tuple[str, ...] = (*PRODUCT_EMOTIONS, "attention", "head_pose", "eyes_open", "gaze")
SECONDS_SCHEMA = pa.schema([
    pa.field("session_id", pa.int64(), nullable=False),
    pa.field("second", pa.int64(), nullable=False),  # floor of the video time
    pa.field("n", pa.int64(), nullable=False),  # samples that count in that second
    *(pa.field(c, pa.float64(), nullable=False) for c in SUMMED),  # their sum (non-finite: 0)
])


def seconds_name(part_name: str, summed: pa.Table) -> str:
    """The name of the sums ``summed`` of the part ``part_name``: ``analysis.parquet`` →
    ``analysis.<digest of the sums>.seconds.parquet``. A part's keys hold no dot, so it is
    never a part's name; a retry that writes the same part again writes the same sums under
    the same name (nothing left over), and different sums never share a name."""
    digest = hashlib.blake2b(digest_size=8)
    for column in summed.columns:
        digest.update(column.to_numpy().tobytes())
    return f"{part_name.split('.')[0]}.{digest.hexdigest()}{SECONDS_SUFFIX}"


def seconds_table(samples: pa.Table, counts: pa.ChunkedArray | pa.Array) -> pa.Table:
    """``samples`` (``SAMPLE_SCHEMA``) summed per session and second over the rows where
    ``counts`` is true (``sample_files.counted``), as ``bin_means`` sums them: a reading that
    is missing or not finite adds 0 and still counts the sample."""
    kept = samples.filter(counts)
    columns = {"session_id": kept.column("session_id"),
               "second": pc.cast(pc.floor(kept.column("video_time")), pa.int64())}
    for name in SUMMED:
        values = kept.column(name)
        columns[name] = pc.if_else(pc.fill_null(pc.is_finite(values), False), values, 0.0)
    table = pa.table(columns)
    summed = table.group_by(["session_id", "second"], use_threads=False).aggregate(
        [("second", "count"), *((name, "sum") for name in SUMMED)])
    return pa.table({"session_id": summed.column("session_id"),
                     "second": summed.column("second"), "n": summed.column("second_count"),
                     **{name: summed.column(f"{name}_sum") for name in SUMMED}}
                    ).cast(SECONDS_SCHEMA)
