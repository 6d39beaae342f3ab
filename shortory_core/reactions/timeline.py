"""Reaction samples keyed on video time: rows made from frames, the store's table
(``SAMPLE_SCHEMA``), and the timeline files made from it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from shortory_core.errors import ShortoryError
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.store.sample_files import sample_table
from shortory_core.vision.engine import FrameAnalysis

COLUMNS = ("video_time", "source_time", "face_found", "n_faces", *PRODUCT_EMOTIONS,
           "dominant", "attention", "head_pose", "eyes_open", "gaze")


def sample_row(a: FrameAnalysis, seq: int, video_time: float, source_time: float,
               paused: bool = False) -> dict:
    """One store row: what the face showed, stamped with the video time it was reacting to."""
    emotions = a.emotions or {}
    return {
        "seq": seq, "video_time": round(video_time, 3), "source_time": round(source_time, 3),
        "paused": int(paused), "face_found": int(a.face_found), "n_faces": a.n_faces,
        **{e: emotions.get(e) for e in PRODUCT_EMOTIONS},
        "dominant": a.dominant, "attention": a.attention,
        "head_pose": a.head_pose if a.face_found else None,
        "eyes_open": a.eyes_open if a.face_found else None, "gaze": a.gaze,
    }


def sample_rows(analyses: list[FrameAnalysis], offset: float, first_seq: int = 0
                ) -> list[dict]:
    """Store rows of a recording: ``video_time`` is the recording's time plus ``offset`` (the
    video time at which the recording started)."""
    return [sample_row(a, seq, a.t + offset, a.t)
            for seq, a in enumerate(analyses, start=first_seq)]


def recording_samples(analyses: list[FrameAnalysis], offset: float,
                      session_id: int = 0) -> pa.Table:
    """A recording's samples as the store's table (``sample_rows``, by ``seq``)."""
    return sample_table(session_id, sample_rows(analyses, offset))


def timeline_frame(samples: pa.Table) -> pd.DataFrame:
    """The timeline table: one row per sample (a ``SAMPLE_SCHEMA`` table, in its order), the
    columns of ``COLUMNS``."""
    return samples.select(list(COLUMNS)).to_pandas()


def smooth_emotions(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    """Centred rolling mean of the five emotions over ``window`` samples that found a face,
    with the dominant emotion recomputed; samples are stored raw, smoothing is a view.

    A face-absent sample neither takes part nor is changed.
    """
    if window <= 1 or frame.empty:
        return frame
    smoothed = frame.copy()
    faces = smoothed["face_found"].astype(bool)
    emotions = list(PRODUCT_EMOTIONS)
    rolled = (smoothed.loc[faces, emotions].astype(float)
              .rolling(window, center=True, min_periods=1).mean())
    smoothed.loc[faces, emotions] = rolled
    smoothed.loc[faces, "dominant"] = rolled.idxmax(axis=1)
    return smoothed


def write_timeline(frame: pd.DataFrame, out: Path) -> Path:
    """CSV or Parquet, chosen by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(out, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        raise ShortoryError(f"Write the timeline as .csv or .parquet, not {suffix or 'no suffix'}.")
    return out
