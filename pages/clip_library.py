"""The clip library the Crowd and Studio pages share: tabs by what a clip was cut for, best
score first, inline previews, one-by-one and zip downloads, and the metadata as CSV."""

from __future__ import annotations

import time

import streamlit as st

from shortory_core.clips.library import clip_file_name, clips_table, clips_zip
from shortory_core.records import ClipRecord
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds

KIND_ORDER = ("happy", "surprise", "sad", "angry", "fused", "picked", "comments")


def _show_clip(store: Store, clip: ClipRecord) -> None:
    span = f"{format_seconds(clip.start)}–{format_seconds(clip.end)}"
    if clip.status in ("queued", "rendering"):
        st.progress(clip.progress, text=f"{clip.label} · {span} · {clip.status}…")
    elif clip.status == "failed":
        st.error(f"{clip.label} · {span}: {clip.error}")
    else:
        shape = " · 9:16" if clip.vertical else ""
        with st.expander(f"{clip.label} · {span} · score {clip.score:.2f} · {clip.mode}{shape}"):
            path = store.media_path(clip.path)
            st.video(str(path))
            if clip.meta.get("top_comment"):
                st.caption(f"Top comment: {clip.meta['top_comment']}")
            st.download_button("Download", lambda: path.read_bytes(),
                               file_name=clip_file_name(clip),
                               mime="video/mp4", key=f"dl-{clip.id}")


def show_library(store: Store, project_id: int, title: str,
                 kinds: tuple[str, ...] | None = None) -> bool:
    """Draw the clips of ``kinds`` (all when ``None``); returns whether some are still being
    rendered, so the page can look again shortly."""
    clips = [c for c in store.clips(project_id) if kinds is None or c.kind in kinds]
    if not clips:
        return False
    st.subheader(title)
    present = sorted({c.kind for c in clips},
                     key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    tabs = st.tabs([f"{kind} ({sum(c.kind == kind for c in clips)})" for kind in present])
    for tab, kind in zip(tabs, present, strict=True):
        with tab:
            for clip in sorted((c for c in clips if c.kind == kind), key=lambda c: -c.score):
                _show_clip(store, clip)
    done = [c for c in clips if c.status == "done"]
    left, right = st.columns(2)
    left.download_button(f"Download all {len(done)} clips (zip)",
                         lambda: clips_zip(store, done), file_name="shortory-clips.zip",
                         mime="application/zip", disabled=not done, key=f"zip-{title}")
    right.download_button("Clip metadata (CSV)", clips_table(clips).to_csv(index=False),
                          file_name="shortory-clips.csv", mime="text/csv", key=f"csv-{title}")
    return any(c.status in ("queued", "rendering") for c in clips)


def poll_while_rendering(pending: bool) -> None:
    """Renders run in the background: look again in a second (a full rerun, which keeps the
    page's navigation; any click interrupts the wait)."""
    if pending:
        time.sleep(1.0)
        st.rerun()
