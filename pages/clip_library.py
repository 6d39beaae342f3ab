"""The clip library the Crowd and Studio pages share: tabs by what a clip was cut for, best
score first, inline previews, one-by-one and zip downloads, and the metadata as CSV."""

from __future__ import annotations

import streamlit as st

from pages.common import confirm_delete
from shortory_core.clips.library import caption_files, clip_file_name, clips_table, clips_zip
from shortory_core.clips.spec import ShortSpec
from shortory_core.editor.formats import FORMATS, timeline_bytes
from shortory_core.exports import csv_bytes
from shortory_core.highlights.recommend import measure_mood, recommend
from shortory_core.jobs import Job, JobService
from shortory_core.records import ClipRecord, ClipStatus, JobStatus
from shortory_core.store import Store
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown

KIND_ORDER = ("happy", "surprise", "sad", "angry", "fused", "picked", "comments")
EDITOR_LABELS = {"otio": "OpenTimelineIO", "fcpxml": "Final Cut / Resolve",
                 "fcp7": "Premiere (FCP 7 XML)", "edl": "EDL (CMX 3600)"}


def _show_clip(service: JobService, clip: ClipRecord, job: Job | None, key: str) -> None:
    store = service.store
    span = f"{format_seconds(clip.start)}–{format_seconds(clip.end)}"
    if clip.status.pending:
        text, button = st.columns([6, 1], vertical_alignment="center")
        progress = job.progress if job else 0.0
        step = job.message if job and job.status == JobStatus.RUNNING else "queued"
        text.progress(progress, text=for_markdown(f"{clip.label} · {span} · {step}…"))
        if job is not None and job.active and button.button("Cancel",
                                                            key=f"{key}-cancel-{clip.id}"):
            service.cancel(job.id)
    elif clip.status in (ClipStatus.FAILED, ClipStatus.CANCELLED):
        text, button = st.columns([6, 1], vertical_alignment="center")
        text.error(for_markdown(f"{clip.label} · {span}: {clip.error}"))
        if job is not None and not job.active and button.button("Retry",
                                                                key=f"{key}-retry-{clip.id}"):
            service.retry(job.id)
            st.rerun(scope="app")
    else:
        spec = ShortSpec.of(clip.meta, clip.vertical)
        score = clip.meta.get("score")
        scored = f"score {score['total']}/100" if score else f"score {clip.score:.2f}"
        with st.expander(for_markdown(
                f"{clip.label} · {span} · {scored} · {spec.describe()}")):
            path = store.media_path(clip.path)
            if spec.shape.vertical:  # a 9:16 short drawn full width would be 1,700 px tall
                st.columns([1, 2])[0].video(str(path))
            else:
                st.video(str(path))
            if score:
                st.caption(f"Score {score['total']}/100 · {for_markdown(score['why'])}")
            if clip.meta.get("top_comment"):
                st.caption(f"Top comment: {for_markdown(clip.meta['top_comment'])}")
            for edge in ("start", "end"):
                if why := (clip.meta.get("edges") or {}).get(edge, {}).get("why"):
                    st.caption(f"{edge.capitalize()}: {for_markdown(why)}")
            for note in clip.meta.get("notes") or ():
                st.caption(for_markdown(note))
            files = st.columns(3)
            files[0].download_button("Download", lambda: path.read_bytes(),
                                     file_name=clip_file_name(clip),
                                     mime="video/mp4", key=f"dl-{clip.id}")
            for column, (suffix, captions) in zip(files[1:], caption_files(store, clip).items(),
                                                  strict=False):
                column.download_button(f"Captions ({suffix})", captions.read_bytes(),
                                       file_name=clip_file_name(clip, suffix),
                                       mime="text/plain", key=f"dl{suffix}-{clip.id}")
            if confirm_delete("this clip", f"{key}-clip-{clip.id}"):
                store.delete_clip(clip.id)
                st.rerun(scope="app")


def show_library(service: JobService, project_id: int, title: str,
                 kinds: tuple[str, ...] | None = None) -> None:
    """The clips of ``kinds`` (all when ``None``), refreshed once a second (a fragment) while
    some are still queued or rendering."""
    pending = any(c.status.pending for c in _clips(service, project_id, kinds))
    st.fragment(run_every=1.0 if pending else None)(_library)(
        service, project_id, title, kinds, pending)


def _clips(service: JobService, project_id: int, kinds: tuple[str, ...] | None
           ) -> list[ClipRecord]:
    return [c for c in service.store.clips(project_id) if kinds is None or c.kind in kinds]


def _library(service: JobService, project_id: int, title: str, kinds: tuple[str, ...] | None,
             was_pending: bool) -> None:
    store = service.store
    clips = _clips(service, project_id, kinds)
    if not clips:
        return
    renders = {job.subject_id: job for job in reversed(
        store.jobs.listing(project_id=project_id, kinds=("render",), limit=500))}
    st.subheader(title)
    present = sorted({c.kind for c in clips},
                     key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    tabs = st.tabs([f"{kind} ({sum(c.kind == kind for c in clips)})" for kind in present])
    for tab, kind in zip(tabs, present, strict=True):
        with tab:
            for clip in sorted((c for c in clips if c.kind == kind), key=lambda c: -c.score):
                _show_clip(service, clip, renders.get(clip.id), f"lib-{title}")
    done = [c for c in clips if c.status == ClipStatus.DONE]
    if not was_pending:  # not on the once-a-second refresh while clips render
        show_recommendations(store, project_id, done, key=f"rec-{title}")
    left, right = st.columns(2)
    label = f"Download all {len(done)} clips (zip)" if len(done) > 1 else \
        "Download the clip (zip)"
    left.download_button(label,
                         lambda: clips_zip(store, done), file_name="shortory-clips.zip",
                         mime="application/zip", disabled=not done, key=f"zip-{title}")
    right.download_button("Clip metadata (CSV)", csv_bytes(clips_table(clips)),
                          file_name="shortory-clips.csv", mime="text/csv", key=f"csv-{title}")
    if done:
        show_editor_export(store, project_id, title)
    if was_pending and not any(c.status.pending for c in clips):
        st.rerun(scope="app")  # all rendered: the page drops its refresh


def show_editor_export(store: Store, project_id: int, title: str) -> None:
    """The project's finished shorts as a timeline for an editor, one button per format; each
    file is made when its button is pressed."""
    st.caption("The project's rendered shorts as an editor timeline, cut from the source "
               "video, best score first, a marker at each peak:")
    for column, (fmt, (_, suffix, mime)) in zip(st.columns(len(FORMATS)), FORMATS.items(),
                                                 strict=True):
        column.download_button(
            f"{EDITOR_LABELS[fmt]} ({suffix})",
            lambda fmt=fmt: timeline_bytes(store, project_id, fmt),
            file_name=f"shortory-shorts{suffix}", mime=mime, key=f"editor-{fmt}-{title}")


def show_recommendations(store: Store, project_id: int, clips: list[ClipRecord],
                         session_id: int | None = None, key: str = "rec") -> None:
    """Shorts for the mood of a viewer (the given session, else the project's latest one
    with samples), each with its reason."""
    watched = [s for s in store.sessions(project_id)
               if s.n_samples and session_id in (None, s.id)]
    if not watched:
        return
    session = watched[-1]
    mood = measure_mood(store.samples(session.id).to_pylist())
    picks = recommend(clips, mood) if mood else []
    if not picks:
        return
    with st.container(border=True, key=key):
        st.markdown(f"**For {for_markdown(session.viewer)}'s mood**")
        for pick in picks:
            st.caption(f"{for_markdown(pick.clip.label)} "
                       f"({format_seconds(pick.clip.start)}–{format_seconds(pick.clip.end)}): "
                       f"{for_markdown(pick.why)}")
