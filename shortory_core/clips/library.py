"""The clip library as files to take away: one zip of every finished clip with its captions
(SRT, WebVTT) and its metadata, and the metadata alone as a table (CSV)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from shortory_core.clips.layouts import DEFAULT_LAYOUT
from shortory_core.clips.spec import ShortSpec
from shortory_core.exports import csv_bytes
from shortory_core.records import ClipRecord, ClipStatus
from shortory_core.store import Store

METADATA_NAME = "clips.csv"


def clip_file_name(clip: ClipRecord, suffix: str = ".mp4") -> str:
    """A download name that says what the clip is: kind, id, source span, layout (its
    captions take the same name with ``.srt`` or ``.vtt``)."""
    layout = ShortSpec.of(clip.meta, clip.vertical).layout
    shape = "" if layout == DEFAULT_LAYOUT else "-" + layout.replace(":", "x")
    return (f"{clip.kind}-{clip.id:04d}-{clip.start:07.1f}s-{clip.end:07.1f}s{shape}{suffix}"
            ).replace(" ", "_")


def caption_files(store: Store, clip: ClipRecord) -> dict[str, Path]:
    """The clip's SRT and WebVTT files that exist, by suffix (``.srt``, ``.vtt``)."""
    found = {}
    for key in ("srt", "vtt"):
        if clip.meta.get(key) and (path := store.media_path(clip.meta[key])).is_file():
            found[f".{key}"] = path
    return found


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
        "layout": ShortSpec.of(clip.meta, clip.vertical).layout,
        "captions": ShortSpec.of(clip.meta, clip.vertical).captions,
        **_edge_columns(clip.meta.get("edges") or {}),
        "notes": "; ".join(clip.meta.get("notes") or ()), "status": clip.status,
    } for clip in clips], columns=[
        "file", "kind", "label", "start_s", "end_s", "duration_s", "score", "score_100",
        *(f"score_{part}" for part in SCORE_PARTS), "score_why", "peak_time_s",
        "attention", "top_comment", "mode", "layout", "captions", "asked_start_s",
        "asked_end_s", "start_why", "end_why", "notes", "status"])


def _edge_columns(edges: dict) -> dict:
    """Where each edge was asked and why it moved (empty for clips cut as asked)."""
    start, end = edges.get("start") or {}, edges.get("end") or {}
    return {"asked_start_s": start.get("asked"), "asked_end_s": end.get("asked"),
            "start_why": start.get("why", ""), "end_why": end.get("why", "")}


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
            for suffix, path in caption_files(store, clip).items():
                archive.write(path, clip_file_name(clip, suffix),
                              compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(METADATA_NAME, csv_bytes(clips_table(done)),
                         compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
