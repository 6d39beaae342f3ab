"""The clip library as files to take away: one zip of every finished clip with its metadata,
and the metadata alone as a table (CSV)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from shortory_core.exports import csv_bytes
from shortory_core.records import ClipRecord, ClipStatus
from shortory_core.store import Store

METADATA_NAME = "clips.csv"


def clip_file_name(clip: ClipRecord) -> str:
    """A download name that says what the clip is: kind, id, source span, shape."""
    return (f"{clip.kind}-{clip.id:04d}-{clip.start:07.1f}s-{clip.end:07.1f}s"
            f"{'-vertical' if clip.vertical else ''}.mp4").replace(" ", "_")


# The parts of a short's 0–100 score (``highlights.score``), kept here, on the lower floor, so
# that the score and the CSV's columns are one list.
SCORE_PARTS = ("comments", "authors", "replays", "expressing", "attention")


def clips_table(clips: list[ClipRecord]) -> pd.DataFrame:
    """One row per clip: source span, what it was cut for, scores (the 0–100 score, each of its
    parts' points and its reason, empty where a clip has none), how it was rendered."""
    return pd.DataFrame([{
        "file": clip_file_name(clip), "kind": clip.kind, "label": clip.label,
        "start_s": round(clip.start, 3), "end_s": round(clip.end, 3),
        "duration_s": round(clip.end - clip.start, 3), "score": clip.score,
        **_score_columns(clip.meta.get("score") or {}),
        "peak_time_s": clip.meta.get("peak_time"), "attention": clip.meta.get("attention"),
        "top_comment": clip.meta.get("top_comment", ""), "mode": clip.mode,
        "vertical": clip.vertical, "status": clip.status,
    } for clip in clips], columns=[
        "file", "kind", "label", "start_s", "end_s", "duration_s", "score", "score_100",
        *(f"score_{part}" for part in SCORE_PARTS), "score_why", "peak_time_s",
        "attention", "top_comment", "mode", "vertical", "status"])


def _score_columns(score: dict) -> dict:
    """A clip's ``meta["score"]`` as flat columns (None where a part had no data)."""
    parts = score.get("parts", {})
    return {"score_100": score.get("total"), "score_why": score.get("why", ""),
            **{f"score_{part}": parts.get(part, {}).get("points") for part in SCORE_PARTS}}


def clips_zip(store: Store, clips: list[ClipRecord]) -> bytes:
    """Every finished clip of ``clips`` plus ``clips.csv`` describing them. Videos are stored
    without compression: H.264 does not shrink, and the zip is ready at once."""
    done = [c for c in clips if c.status == ClipStatus.DONE and c.path]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for clip in done:
            archive.write(store.media_path(clip.path), clip_file_name(clip),
                          compress_type=zipfile.ZIP_STORED)
        archive.writestr(METADATA_NAME, csv_bytes(clips_table(done)),
                         compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
