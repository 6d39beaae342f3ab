"""``python -m shortory_core``: the same operations as the app, for scripts and terminals.

A thin layer: every subcommand parses arguments, calls one function of the package and prints
the result: aligned text (``tables``), or JSON with ``--json``. A command that takes a project
takes its id or its name (``project_ref``). User errors exit with status 2 and a one-line
message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from shortory_core import validate as v
from shortory_core.config import data_path
from shortory_core.errors import ShortoryError, SourceError, describe, user_error
from shortory_core.jobs import Job, JobService
from shortory_core.kinds import job_service, settle_dead_work
from shortory_core.logs import log_failure
from shortory_core.outputs import output_path, written_atomically
from shortory_core.project_ref import resolve_project
from shortory_core.records import ClipRecord, JobStatus, StepStatus
from shortory_core.sources.comment_headers import ROLES, parse_mapping
from shortory_core.sources.comment_html import comment_text
from shortory_core.sources.urls import validate_url
from shortory_core.store import Store
from shortory_core.tables import format_result
from shortory_core.untrusted import for_terminal

if TYPE_CHECKING:  # the vision stack loads only for the commands that use it
    from shortory_core.clips.spec import ShortSpec
    from shortory_core.vision.cards import ModelCard
    from shortory_core.vision.ensemble import Classifier
    from shortory_core.vision.face_detector import FaceDetector


COLUMNS_HELP = ("which CSV column is which, where the names are not recognised (roles: "
                + ", ".join(ROLES) + ")")


def _print(result: dict[str, Any], as_json: bool) -> None:
    """The result on stdout: strict JSON (no ``NaN``; escapes for every control character)
    or ``key: value`` lines and aligned tables with control characters removed (titles and
    comments are untrusted)."""
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False,
                         default=str).translate(_JSON_CONTROLS))
    else:
        print(for_terminal(format_result(result)))


# ``json.dumps(ensure_ascii=False)`` leaves C1 controls and DEL raw; escape them as well.
_JSON_CONTROLS = {code: f"\\u{code:04x}" for code in (*range(0x7f, 0xa0),)}


def _project_result(store: Store, project_id: int) -> dict[str, Any]:
    project = store.get_project(project_id)
    video = store.get_video(project_id)
    return {
        "project_id": project_id,
        "name": project.name if project else "",
        "video": asdict(video) if video else None,
        "comments": store.comment_count(project_id),
    }


class ProgressBar:
    """A one-line progress bar on stderr for foreground jobs: drawn on a terminal only (as
    curl and pip do), so logs and pipes get the result and the error line alone."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.step = ""
        self.drawn = False

    def __call__(self, fraction: float, step: str | None) -> None:
        if not self.enabled:
            return
        self.drawn = True
        self.step = step or self.step
        filled = int(fraction * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {self.step[:40]:<40}",
              end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.drawn:
            print(file=sys.stderr)


def run_job(store: Store, kind: str, params: dict[str, Any], as_json: bool, *,
            retry: int | None = None, queue: Callable[[JobService], int] | None = None) -> Job:
    """Run one job in the foreground, as the app's workers would; a job that did not finish
    is a user error (exit 2) carrying the job's one-line reason. ``queue`` adds the job
    itself (with its subject, in one transaction) and returns its id."""
    service = job_service(store, workers=False)
    bar = ProgressBar(not as_json)
    try:
        if queue is not None:
            job_id = queue(service)
        elif retry is None:
            job_id = service.submit(kind, params)
        elif service.retry(retry):
            job_id = retry
        else:
            raise ShortoryError(f"Job {retry} cannot be retried: only failed, cancelled or "
                                "interrupted jobs can (`jobs` lists them).")
        job = service.run(job_id, bar)
    finally:
        bar.end()
        service.close()
    if job.status == JobStatus.FAILED:
        raise ShortoryError(job.error)
    if job.status != JobStatus.DONE:
        raise ShortoryError(f"job {job.id} {job.status}: {job.message}")
    return job


def _created_result(store: Store, job: Job) -> dict[str, Any]:
    result = _project_result(store, int(job.result["project_id"]))
    result["job"] = job.id
    result["comment_import"] = job.result.get("comment_import")
    result["comment_error"] = job.result.get("comment_error", "")
    return result


def cmd_fetch(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    job = run_job(store, "fetch", {"url": validate_url(args.url),
                                   "with_comments": not args.no_comments,
                                   "sort": args.sort, "limit": args.limit}, args.json)
    return _created_result(store, job)


def cmd_import(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    video = v.input_file(args.video, "video file")
    comments = v.input_file(args.comments, "comment file") if args.comments else None
    columns = parse_mapping(args.columns) if args.columns else None
    job = run_job(store, "import", {"video": str(video), "name": args.name,
                                    "comments": str(comments) if comments else None,
                                    "columns": columns}, args.json)
    return _created_result(store, job)


def cmd_jobs(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    if args.cancel is not None:
        return _cancel(store, args.cancel)
    if args.retry is not None:
        job = run_job(store, "", {}, args.json, retry=args.retry)
        return {"job": job.id, "status": job.status, "message": job.message,
                "result": job.result}
    return {"jobs": [
        {"id": j.id, "kind": j.kind, "project": j.project_id, "status": j.status,
         "progress": round(j.progress, 3), "message": j.message, "attempts": j.attempts}
        for j in store.jobs.listing(limit=args.limit)]}


CANCEL_WAIT_S = 5.0  # a running job notices a cancel at its next progress check


def _cancel(store: Store, job_id: int) -> dict[str, Any]:
    """Cancel a job of any process and say what became of it: a running job is waited on
    (up to ``CANCEL_WAIT_S``) until it has stopped, so "cancelled" means it has; one still
    running then is "cancel requested"; one that ended first keeps its own status."""
    service = job_service(store, workers=False)
    try:
        status = service.cancel(job_id)
        if status is None:
            raise ShortoryError(f"No job {job_id}.")
        if status == JobStatus.RUNNING:
            status = service.wait(job_id, timeout=CANCEL_WAIT_S).status
    finally:
        service.close()
    if status == JobStatus.RUNNING:
        return {"job": job_id, "status": "cancel requested",
                "report": f"Job {job_id}: cancel requested; it stops at its next check "
                          "(`jobs` shows when)."}
    said = "cancelled" if status == JobStatus.CANCELLED else \
        f"already {status.value}, nothing to cancel"
    return {"job": job_id, "status": status.value, "report": f"Job {job_id}: {said}."}


def cmd_projects(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    return {
        "projects": [
            {"id": s.project.id, "name": s.project.name, "demo": s.project.is_demo,
             "duration": s.video.duration if s.video else None, "comments": s.comments,
             "sessions": s.sessions, "clips": s.clips}
            for s in store.list_projects()
        ]
    }


def cmd_moments(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    from shortory_core.signals.chapters import votes
    from shortory_core.signals.comment_moments import (
        MomentOptions,
        find_moments,
        merge_clip_spans,
    )
    from shortory_core.signals.dump_mentions import dump_mentions

    try:  # read a chunk at a time: a dump of any length fits in memory
        read = dump_mentions(v.input_file(args.comments_file, "comment file"),
                             duration=args.duration, columns=parse_mapping(args.columns or ()))
    except OSError as exc:
        raise SourceError(f"Cannot read {args.comments_file}: {exc.strerror}") from exc
    mentions = read.mentions
    options = MomentOptions(window=args.window, top_k=args.top, pad=args.pad,
                            unique_authors=args.unique_authors, like_weighted=args.like_weighted)
    counted = votes(mentions)  # a chapter list's lines are chapters, not votes
    moments = find_moments(counted, args.duration, options)
    return {
        "comments": read.comments,
        "bad_records": read.report.bad_records,
        "rejoined": read.report.rejoined,
        "columns": read.report.columns,
        "mentions": len(mentions),
        "votes": len(counted),
        "moments": [
            {"rank": m.rank, "start": m.start, "end": m.end, "centre": m.centre,
             "mentions": m.mentions, "unique_authors": m.unique_authors, "likes": m.likes,
             "score": m.score, "comment_ids": m.comment_ids,
             "top_comments": [comment_text(c.snippet) for c in m.top_comments]}
            for m in moments
        ],
        "clips": [{"start": s.start, "end": s.end, "moments": s.moments}
                  for s in merge_clip_spans(moments)],
    }


def cmd_analyze(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    from shortory_core.reactions.recording import analyse_recording
    from shortory_core.reactions.timeline import (
        recording_samples,
        smooth_emotions,
        timeline_frame,
        write_timeline,
    )
    from shortory_core.vision.engine import VisionEngine

    def show(fraction: float) -> None:
        if not args.json:
            print(f"\ranalysing {fraction:6.1%}", end="", file=sys.stderr)

    video = v.input_file(args.reaction_video, "reaction video")
    out = _output(args, args.out, (".csv", ".parquet"), {"reaction video": video}
                  ) if args.out else None
    engines = [VisionEngine(detector=args.detector, use_iris=not args.no_iris)
               for _ in range(args.workers)]
    analyses = analyse_recording(video, engines, fps=args.fps, progress=show)
    frame = smooth_emotions(timeline_frame(recording_samples(analyses, args.offset)),
                            args.smooth)
    if out:
        with written_atomically(out) as work:
            write_timeline(frame, work / out.name)
    found = int(frame["face_found"].sum())
    result: dict[str, Any] = {
        "samples": len(frame), "faces_found": found,
        "dominant": frame["dominant"].value_counts().to_dict(),
        "mean_attention": round(float(frame["attention"].mean()), 3) if len(frame) else None,
        "out": str(out) if out else None,
    }
    if args.json:
        result["timeline"] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return result


def cmd_react(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Add a recorded reaction to a project and analyse it (the Reactions page's upload)."""
    from shortory_core.kinds.analysis import check_engines
    from shortory_core.reactions.sessions import add_recording
    from shortory_core.sources.video_file import probe_video

    recording = v.input_file(args.recording, "recording")
    video = store.get_video(args.project)
    if video is not None and args.offset > video.duration:
        raise v.InvalidValue(f"--offset {args.offset:g} s is past the video's end "
                             f"({video.duration:.1f} s).")
    # Checked before anything is made: a file that is no video, or models that cannot load,
    # leave no session, no copy and no job behind.
    try:
        length = probe_video(recording).duration
    except ShortoryError as exc:
        raise ShortoryError(f"{recording.name} cannot be analysed: {exc}") from exc
    check_engines("short", True)
    past = args.offset + length - video.duration if video is not None else 0.0
    if past > 0.5:
        print(for_terminal(
            f"warning: {recording.name} ({length:.1f} s) from {args.offset:g} s runs "
            f"{past:.1f} s past the video's end ({video.duration:.1f} s); the samples after "
            "the end are kept, and no chart shows them."), file=sys.stderr)
    meta = {"fps": args.fps, "detector": "short", "iris": True} | (
        {"group": args.group} if args.group else {})
    made: list[int] = []

    def queue(service: JobService) -> int:
        with recording.open("rb") as data:
            session_id, job_id = add_recording(
                store, args.project, args.viewer, data, recording.suffix,
                time_offset=args.offset, meta=meta,
                job=service.request("analyse", {"fps": args.fps}, project_id=args.project))
        made.append(session_id)
        assert job_id is not None
        return job_id

    job = run_job(store, "analyse", {}, args.json, queue=queue)
    return {"session_id": made[0], "viewer": args.viewer, "group": args.group or "",
            "samples": job.result.get("samples", 0)}


def cmd_panel(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Every session's quality and verdict, the panel's peaks and its agreement windows."""
    from shortory_core.panel.grids import load_grids
    from shortory_core.panel.quality import Thresholds
    from shortory_core.panel.stats import PanelOptions, agreement, curves, panel_peaks

    grids = load_grids(store, args.project, thresholds=Thresholds(
        min_face_rate=args.min_face_rate, min_face_seconds=args.min_face_seconds))
    options = PanelOptions(normalise=not args.raw, threshold=args.threshold)
    included = grids.subset(grids.included)
    panel = curves(included, options)
    agreed = agreement(included, options).windows.head(args.top)
    return {
        "project_id": args.project, "viewers": len(grids.quality),
        "included": int(grids.included.sum()),
        "sessions": [q.as_dict() for q in grids.quality],
        "peaks": [p.as_dict() for p in panel_peaks(panel, options)][:args.top],
        "agreement": agreed.round(3).to_dict("records"),
    }


def cmd_invite(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """A link for one viewer, or an open link (the Panel page's invite)."""
    from shortory_core.remote.invites import create_invite, invite_url

    base = args.base_url or _base_url(None)
    invite = create_invite(store, args.project, viewer=None if args.open else args.viewer,
                           group=args.group, expires_days=args.expires, base_url=base)
    url = invite_url(invite, base)
    who = f"for {invite.viewer}" if invite.viewer else "open to anyone who has it"
    group = f", group {invite.group}" if invite.group else ""
    return {"url": url, "invite_id": invite.id, "viewer": invite.viewer,
            "group": invite.group, "expires": _utc(invite.expires_at),
            "report": f"{url}\nInvite {invite.id}, {who}{group}; it works until "
                      f"{_utc(invite.expires_at)}."}


def cmd_invites(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """The project's invites with their state (sent, opened, watching, done, partial,
    withdrawn, revoked, expired) and the links they were given out with."""
    from shortory_core.remote.invites import invite_url, list_invites

    base = args.base_url or _base_url(None)
    return {"invites": [
        {"id": s.invite.id, "viewer": s.invite.viewer or "(open link)",
         "group": s.invite.group, "state": s.state, "sessions": s.sessions,
         "samples": s.samples, "withdrawn": s.withdrawn, "expires": _utc(s.invite.expires_at),
         "url": invite_url(s.invite, base)}
        for s in list_invites(store, args.project)]}


def cmd_revoke(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Stop an invite link from working; what it collected stays."""
    from shortory_core.remote.invites import revoke_invite

    invite = revoke_invite(store, args.invite_id, project_id=args.project)
    return {"invite_id": invite.id, "revoked": _utc(invite.revoked_at or 0.0),
            "report": f"Invite {invite.id} is revoked: its link no longer opens the video."}


def _utc(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))


def _base_url(text: str | None) -> str:
    """Where viewers reach the app: ``text`` (``--base-url``, checked as an argparse
    ``type``), else ``SHORTORY_PUBLIC_URL``, else this computer's own address
    (``remote/public_url.py``)."""
    from shortory_core.remote.public_url import PUBLIC_URL_ENV, public_base_url

    try:
        return public_base_url(None, None if text is None else {PUBLIC_URL_ENV: text}).base
    except ShortoryError:
        if text is None:
            raise
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) address such as "
                                         "https://panel.example.org") from None


def _output(args: argparse.Namespace, path: Path, suffixes: tuple[str, ...],
            inputs: dict[str, Path]) -> Path:
    """A command's ``--out``, checked before any work (``outputs.output_path``): never an
    input, nothing in the data folder, an existing file only with ``--force``."""
    return output_path(path, suffixes, "--out", inputs=inputs,
                       data_folder=args.data_dir or data_path(), force=args.force)


def cmd_evaluate(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    from shortory_core.vision.evaluate import evaluate_folder

    card, classifier, detectors = _emotion_reader(args)
    profile = None
    if args.profile is not None:
        profile = _open_store(args).profile(args.profile, card.name)
        if profile is None:
            raise ShortoryError(f"No profile of {args.profile!r} for the model {card.name}; "
                                "`profile list` lists them.")
    result = evaluate_folder(args.folder, classifier, detectors, profile=profile)
    report = result.report(card.name)
    if profile is not None:
        report += f"\nproduct emotions read through {profile.name}'s viewer profile"
    return {"model": card.name, "profile": profile.name if profile else None,
            "images": result.images, "skipped": result.skipped, "raw": result.raw.as_dict(),
            "product": result.product.as_dict(), "report": report}


def cmd_profile(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Create, list or delete viewer profiles."""
    if args.action == "list":
        profiles = store.profiles()
        lines = [f"{p.viewer}  ({p.model}): " + ", ".join(
            f"{n} {e}" for e, n in p.faces.items()) for p in profiles]
        return {"profiles": [asdict(p) for p in profiles],
                "report": "\n".join(lines) or "No viewer profiles yet."}
    if args.action == "delete":
        if not store.delete_profile(args.name):
            raise ShortoryError(f"No profile of {args.name!r}; `profile list` lists them.")
        return {"deleted": args.name, "report": f"Deleted {args.name}'s profile."}
    return _create_profile(args, store)


def cmd_samples(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Move a store's samples from SQLite rows into Parquet, and give parts written before
    per-second sums existed their sums, once; resumable after a kill."""
    from shortory_core.store.sample_migration import (
        MigrationProgress,
        add_missing_sums,
        migrate_samples,
    )

    def show(done: MigrationProgress) -> None:
        if not args.json:
            print(done.line(), file=sys.stderr, flush=True)

    moved = migrate_samples(store, show)
    summed = add_missing_sums(store, show)
    report = [f"Moved {moved.line()} into Parquet." if moved.total
              else "Every session's samples are already in Parquet."]
    if summed.total:
        report.append(f"Per-second sums written: {summed.line()}.")
    return {"sessions": moved.done, "rows": moved.rows, "summed_parts": summed.done,
            "report": " ".join(report)}


def _create_profile(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    from shortory_core.reactions.photo_profiles import profile_from_photos
    from shortory_core.vision.cards import default_card, load_card

    card = load_card(args.card) if args.card else default_card("emotion")
    made = profile_from_photos(store, args.name, args.folder, card, detect=args.detect,
                               replace=args.replace)
    profile = made.profile
    return {"viewer": profile.name, "model": card.name, "faces": profile.counts,
            "skipped": made.skipped, "blend": profile.blend,
            "temperature": profile.temperature, "report": made.summary()}


def _emotion_reader(args: argparse.Namespace) -> tuple[ModelCard, Classifier,
                                                     tuple[FaceDetector, ...]]:
    """The emotion card, its classifier and, with ``--detect``, the photo face detectors."""
    from shortory_core.vision.cards import default_card, load_card
    from shortory_core.vision.ensemble import emotion_classifier
    from shortory_core.vision.face_detector import photo_detectors

    card = load_card(args.card) if args.card else default_card("emotion")
    return card, emotion_classifier(card), photo_detectors() if args.detect else ()


def _open_store(args: argparse.Namespace) -> Store:
    return Store(args.data_dir) if args.data_dir else Store()


def cmd_highlights(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    from shortory_core.highlights.peaks import PeakOptions, find_highlights
    from shortory_core.highlights.timeline import build_timeline

    timeline = build_timeline(store, args.project, step=args.step)
    options = PeakOptions(smoothing_s=args.smoothing, prominence=args.prominence,
                          min_gap_s=args.min_gap, top_k=args.top, pad_s=args.pad)
    return {
        "project_id": args.project,
        "viewers": sum(q.included for q in timeline.panel),
        "peaks": [asdict(p) for p in find_highlights(timeline, options)],
    }


def cmd_render(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    """One span of any video file as a short, made as the studio makes them (``--copy``: the
    streams copied as they are)."""
    from shortory_core.clips.render import render_clip
    from shortory_core.clips.short import Source, make_short
    from shortory_core.sources.video_file import probe_video
    from shortory_core.speech.transcribe import transcribe

    source = v.input_file(args.video, "video")
    info = probe_video(source)
    start, end = v.span(*args.span, info.duration, info.fps)
    spec = _spec(args)
    shape = "" if spec.layout == "16:9" else "-" + spec.layout.replace(":", "x")
    out = _output(args, args.out or source.with_name(
        f"{source.stem}-{start:.1f}-{end:.1f}{shape}.mp4"), (".mp4",), {"video": source})
    result: dict[str, Any] = {"clip": str(out)}
    with written_atomically(out) as work:  # the scratch files and the partial clip
        if args.copy:
            render_clip(source, start, end, work / out.name, mode="copy")
        else:
            made = make_short(Source(source, info.width, info.height, info.duration), start,
                              end, spec, work / out.name, work=work, title=args.title or "",
                              words_for=lambda s, e: transcribe(source, s, e))
            start, end = made.start, made.end
            for kind, path in (("srt", made.srt), ("vtt", made.vtt)):
                if path is not None:
                    beside = out.with_suffix(f".{kind}")
                    path.replace(beside)
                    result[kind] = str(beside)
            result |= {"edges": made.edges.as_dict() if made.edges else None,
                       "notes": made.notes}
    made_file = probe_video(out)
    return result | {"start": start, "end": end, "duration": made_file.duration,
                     "width": made_file.width, "height": made_file.height,
                     "has_audio": made_file.has_audio}


def cmd_shorts(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """The project's best shorts, made as the studio's button makes them, in the foreground."""
    from shortory_core.highlights.best import queue_best_shorts
    from shortory_core.highlights.shorts import ShortOptions

    options = ShortOptions(spec=_spec(args), max_length_s=args.max_length,
                           merge=not args.no_merge)
    service = job_service(store, workers=False)
    bar = ProgressBar(not args.json)
    try:
        clip_ids = queue_best_shorts(service, args.project, args.top, options)
        renders = {job.subject_id: job.id for job in store.jobs.listing(
            project_id=args.project, kinds=("render",)) if job.active}
        for clip_id in clip_ids:
            if clip_id in renders:
                service.run(renders[clip_id], bar)
    finally:
        bar.end()
        service.close()
    return {"project_id": args.project, "shorts": [
        _short_result(store, clip) for clip in map(store.clip, clip_ids) if clip is not None]}


def _short_result(store: Store, clip: ClipRecord) -> dict[str, Any]:
    score = clip.meta.get("score") or {}
    def media(key: str) -> str | None:
        return str(store.media_path(clip.meta[key])) if clip.meta.get(key) else None

    return {
        "clip_id": clip.id, "status": clip.status, "error": clip.error,
        "path": str(store.media_path(clip.path)) if clip.path else None,
        "start": clip.start, "end": clip.end, "label": clip.label,
        "score": score.get("total"), "why": score.get("why", ""),
        "signals": {name: part.get("points") for name, part in score.get("parts", {}).items()},
        "srt": media("srt"), "vtt": media("vtt"), "edges": clip.meta.get("edges"),
        "layout": clip.meta.get("short", {}).get("layout"), "notes": clip.meta.get("notes", []),
        "merged": clip.meta.get("merged", ""), "trimmed": clip.meta.get("trimmed", ""),
    }


def _spec(args: argparse.Namespace) -> ShortSpec:
    """How a short is made, from the options ``_add_short_options`` adds."""
    from shortory_core.clips.spec import ShortSpec

    titled = bool(getattr(args, "title", None))  # render's own title text
    captions = "label" if titled and args.captions == "none" else args.captions
    return ShortSpec(layout=args.layout, captions=captions, style=args.style,
                     title=titled or args.title_line, platform_size=args.platform_size,
                     snap=not args.no_snap)


def _add_short_options(parser: argparse.ArgumentParser, captions: str) -> None:
    from shortory_core.clips.burn_in import DEFAULT_STYLE, STYLES
    from shortory_core.clips.layouts import DEFAULT_LAYOUT, LAYOUTS
    from shortory_core.clips.spec import CAPTIONS

    parser.add_argument("--layout", choices=list(LAYOUTS), default=DEFAULT_LAYOUT,
                        help="9:16, 1:1 and 4:5 follow the main face")
    parser.add_argument("--captions", choices=CAPTIONS, default=captions,
                        help="speech: the words as spoken (and .srt/.vtt beside the short); "
                             "label: the title line only; none")
    parser.add_argument("--style", choices=[n for n in STYLES if n != "none"],
                        default=DEFAULT_STYLE, help="the speech captions' look")
    parser.add_argument("--title-line", action="store_true",
                        help="speech captions: add the title line too")
    parser.add_argument("--platform-size", action="store_true",
                        help="deliver at the layout's platform size (1080×1920…), scaled up "
                             "from small sources")
    parser.add_argument("--no-snap", action="store_true",
                        help="cut exactly where asked (no move to a pause or scene cut)")


def cmd_export(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """The project's finished shorts as an editor timeline (``editor/``)."""
    from shortory_core.editor.formats import FORMATS, export_timeline

    out = _output(args, args.out, (FORMATS[args.format][1],), {})
    with written_atomically(out) as work:
        export_timeline(store, args.project, args.format, work / out.name)
    return {"project_id": args.project, "format": args.format, "out": str(out)}


def cmd_batch(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Run a manifest's imports, analyses, panels, highlights and renders (``batch/``)."""
    from shortory_core.batch.manifest import read_manifest
    from shortory_core.batch.runner import BatchOptions, BatchRun, summary_table

    manifest = read_manifest(v.input_file(args.manifest, "manifest"))
    options = BatchOptions(engine=args.engine, address=args.address, workers=args.workers,
                           fps=args.fps, render=args.render, media_url=args.media_url)
    bar = ProgressBar(not args.json)
    run = BatchRun(store, manifest, options, bar)
    try:
        steps = run.run()
    finally:
        bar.end()
    failed = sum(s.status == StepStatus.FAILED for s in steps)
    timing = "".join(f"\n{name.replace('_s', '')}: {seconds:.1f} s"
                     for name, seconds in run.timings.items())
    return {"manifest": str(manifest.path), "engine": args.engine,
            "steps": [s.as_dict() for s in steps], "failed": failed,
            "timings": {k: round(v, 2) for k, v in run.timings.items()},
            "report": summary_table(steps) + timing, "exit_code": EXIT_PARTIAL if failed else 0}


def cmd_transcribe(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    """Transcribe the project's whole video (a foreground ``transcribe`` job); a project
    transcribed already answers from its cache at once."""
    job = run_job(store, "transcribe", {"project_id": args.project}, args.json,
                  queue=lambda service: service.submit(
                      "transcribe", {"project_id": args.project}, project_id=args.project,
                      subject_id=args.project))
    return {"project_id": args.project, "job": job.id, "summary": job.message, **{
        key: job.result[key] for key in ("words", "language", "absent")}}


def cmd_bench(args: argparse.Namespace, store: Store | None) -> dict[str, Any]:
    from shortory_core.bench import run_benchmarks

    return run_benchmarks(args.only)


def cmd_demo(args: argparse.Namespace, store: Store) -> dict[str, Any]:
    existing = store.demo_project_id()
    if existing is not None:
        return _project_result(store, existing)
    job = run_job(store, "demo", {}, args.json)
    return _project_result(store, int(job.result["project_id"]))


Command = Callable[[argparse.Namespace, Store | None], dict[str, Any]]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m shortory_core", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="data folder (default $SHORTORY_HOME)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, func: Command, help_text: str, *, needs_store: bool = True
            ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, prog=f"python -m shortory_core {name}")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.set_defaults(func=func, needs_store=needs_store)
        return p

    fetch = add("fetch", cmd_fetch, "download a video (and its YouTube comments) into a project")
    fetch.add_argument("url")
    fetch.add_argument("--no-comments", action="store_true")
    fetch.add_argument("--sort", choices=("popular", "recent"), default="popular")
    fetch.add_argument("--limit", type=v.LIMIT, default=5000, help="most comments to fetch")

    imp = add("import", cmd_import, "create a project from a local video and comment dump")
    imp.add_argument("video", type=Path)
    imp.add_argument("--comments", type=Path)
    imp.add_argument("--columns", nargs="+", metavar="ROLE=COLUMN", help=COLUMNS_HELP)
    imp.add_argument("--name", type=v.project_name, help="the project's name (default: the "
                     "file's)")

    moments = add("moments", cmd_moments, "rank the moments a comment dump points at",
                  needs_store=False)
    moments.add_argument("comments_file", type=Path)
    moments.add_argument("--duration", type=v.DURATION, help="video length in seconds, if known")
    moments.add_argument("--columns", nargs="+", metavar="ROLE=COLUMN", help=COLUMNS_HELP)
    moments.add_argument("--top", type=v.TOP, default=5)
    moments.add_argument("--window", type=v.WINDOW, default=5.0)
    moments.add_argument("--pad", type=v.PAD, default=10.0)
    moments.add_argument("--unique-authors", action="store_true")
    moments.add_argument("--like-weighted", action="store_true")

    analyze = add("analyze", cmd_analyze, "emotion and attention timeline of a reaction video",
                  needs_store=False)
    analyze.add_argument("reaction_video", type=Path)
    analyze.add_argument("--fps", type=v.FPS, default=5.0, help="samples per second")
    analyze.add_argument("--offset", type=v.OFFSET, default=0.0,
                         help="video time at which the recording starts (s, m:ss or h:mm:ss)")
    analyze.add_argument("--out", type=Path, help="write the timeline (.csv or .parquet)")
    _add_force(analyze)
    analyze.add_argument("--detector", choices=("short", "full"), default="short",
                         help="short: webcam framing; full: small faces")
    analyze.add_argument("--no-iris", action="store_true", help="skip gaze for speed")
    analyze.add_argument("--smooth", type=v.SMOOTH_SAMPLES, default=0, metavar="N",
                         help="average emotions over N samples (centred)")
    analyze.add_argument("--workers", type=v.as_argument(v.workers),
                         default=min(2, os.cpu_count() or 1), help="parallel parts (cores)")

    evaluate = add("evaluate", cmd_evaluate, "score an emotion model on a labelled folder",
                   needs_store=False)
    evaluate.add_argument("folder", type=Path)
    evaluate.add_argument("--detect", action="store_true",
                          help="images are whole photos: find the face first")
    evaluate.add_argument("--card", type=Path, help="another model's card (JSON)")
    evaluate.add_argument("--profile", metavar="NAME", type=v.viewer_name,
                          help="read the product emotions through this viewer's profile")

    samples = add("samples", cmd_samples, "reaction samples: migrate (SQLite rows to Parquet, "
                  "and per-second sums for parts written without them)")
    samples.add_argument("action", choices=("migrate",))

    profile = add("profile", cmd_profile, "viewer profiles: create NAME FOLDER, list, "
                  "delete NAME")
    # Sub-commands with required names, so a name after ``--`` (``-Ada``) is always read.
    actions = profile.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = actions.add_parser("create", help="fit a viewer's profile from their faces",
                                prog="python -m shortory_core profile create")
    create.add_argument("name", type=v.viewer_name, help="the viewer's name")
    create.add_argument("folder", type=Path,
                        help="one sub-folder of that person's faces per emotion")
    create.add_argument("--detect", action="store_true",
                        help="images are whole photos: find the face first")
    create.add_argument("--card", type=Path, help="another emotion model's card (JSON)")
    create.add_argument("--replace", action="store_true",
                        help="replace the viewer's existing profile for this model")
    actions.add_parser("list", help="every stored profile",
                       prog="python -m shortory_core profile list")
    delete = actions.add_parser("delete", help="forget a viewer's profiles",
                                prog="python -m shortory_core profile delete")
    delete.add_argument("name", type=v.viewer_name, help="the viewer's name")
    for action in actions.choices.values():
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                            help="print the result as JSON")

    highlights = add("highlights", cmd_highlights,
                     "peaks per emotion and of the fused interest score of a project")
    highlights.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    highlights.add_argument("--top", type=v.TOP, default=3, help="peaks per emotion")
    highlights.add_argument("--smoothing", type=v.SMOOTHING, default=2.0, help="seconds")
    highlights.add_argument("--prominence", type=v.PROMINENCE, default=0.1)
    highlights.add_argument("--min-gap", type=v.MIN_GAP, default=10.0, help="seconds")
    highlights.add_argument("--pad", type=v.PAD, default=10.0, help="clip = peak ± pad")
    highlights.add_argument("--step", type=v.STEP, default=0.1, help="timeline grid, seconds")

    render = add("render", cmd_render, "cut one span of a video into a clip (a short)",
                  needs_store=False)
    render.add_argument("video", type=Path)
    render.add_argument("--span", type=v.SPAN_TIME, nargs=2, required=True,
                        metavar=("START", "END"),
                        help="times of the video (s, m:ss or h:mm:ss)")
    render.add_argument("--copy", action="store_true",
                        help="copy the streams (fast; cuts snap to keyframes)")
    render.add_argument("--title", help="a title line drawn over the clip, e.g. "
                        "'happy · 91 — what a save'")
    _add_short_options(render, captions="none")
    render.add_argument("--out", type=Path, help="the clip file (default: beside the video)")
    _add_force(render)

    shorts = add("shorts", cmd_shorts, "render a project's best shorts as the studio's button "
                 "does (all signals fused, merged, edges snapped)")
    shorts.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    shorts.add_argument("--top", type=v.TOP, default=5, help="how many peaks of the fused score")
    shorts.add_argument("--max-length", type=v.MAX_LENGTH, default=60.0,
                        help="longest short, seconds (merged peaks stay apart beyond it)")
    shorts.add_argument("--no-merge", action="store_true",
                        help="each peak its own short, even where they overlap")
    _add_short_options(shorts, captions="speech")

    react = add("react", cmd_react, "add a recorded reaction to a project and analyse it")
    react.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    react.add_argument("recording", type=Path)
    react.add_argument("--viewer", required=True, type=v.viewer_name,
                       help="the viewer's name")
    react.add_argument("--offset", type=v.OFFSET_FORWARD, default=0.0,
                       help="video time at which the recording starts (s, m:ss or h:mm:ss)")
    react.add_argument("--group", default="", help="a panel group tag, e.g. A or B")
    react.add_argument("--fps", type=v.FPS, default=5.0, help="samples per second")

    panel = add("panel", cmd_panel, "the project's viewers as a panel: quality, peaks, "
                "agreement")
    panel.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    panel.add_argument("--threshold", type=v.EXPRESS, default=1.5,
                       help="expressing = above this (z vs own baseline; raw: probability)")
    panel.add_argument("--raw", action="store_true", help="no per-viewer normalisation")
    panel.add_argument("--min-face-rate", type=v.SHARE, default=0.6)
    panel.add_argument("--min-face-seconds", type=v.MIN_GAP, default=10.0)
    panel.add_argument("--top", type=v.TOP, default=10, help="peaks and windows listed")

    export = add("export", cmd_export, "the project's rendered shorts as a timeline for an "
                 "editor (cut from the source video, markers at the peaks)")
    export.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    export.add_argument("--format", choices=("otio", "fcpxml", "fcp7", "edl"), required=True,
                        help="otio: OpenTimelineIO (Resolve); fcpxml: Final Cut Pro, Resolve; "
                             "fcp7: FCP 7 XML (Premiere Pro); edl: CMX 3600")
    export.add_argument("--out", type=Path, required=True,
                        help="the file to write (.otio, .fcpxml, .xml or .edl)")
    _add_force(export)

    batch = add("batch", cmd_batch, "run a manifest of projects and recordings (resumable)")
    batch.add_argument("manifest", type=Path, help="CSV or JSON, one row per input")
    batch.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: this machine's job service; ray: a Ray cluster")
    batch.add_argument("--address", help="ray: 'auto' (a running cluster) or "
                       "ray://HOST:PORT; default: a local Ray on this machine")
    batch.add_argument("--workers", type=v.as_argument(v.actors), help="ray: actors "
                       "(default: the cluster's CPUs)")
    batch.add_argument("--media-url", type=_shared_folder,
                       help="ray: the data folder's media/ as the workers reach it (a path "
                       "on a shared filesystem, file:// or s3://, gs://, az://…): the "
                       "workers write the samples there and the driver only records them")
    batch.add_argument("--fps", type=v.FPS, default=5.0, help="samples per second")
    batch.add_argument("--render", action="store_true",
                       help="also render each project's highlights as shorts")

    transcribe = add("transcribe", cmd_transcribe, "transcribe a project's whole video "
                     "(the speech, with word times; kept for its shorts)")
    transcribe.add_argument("project", type=_project_ref, help=PROJECT_HELP)

    invite = add("invite", cmd_invite, "make a link that lets one viewer (or anyone, --open) "
                 "watch the project's video with their camera, from their own browser")
    invite.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    who = invite.add_mutually_exclusive_group(required=True)
    who.add_argument("--viewer", type=v.viewer_name, help="the viewer's name")
    who.add_argument("--open", action="store_true",
                     help="an open link: each viewer types their name")
    invite.add_argument("--group", default="", help="a panel group tag, e.g. A or B")
    invite.add_argument("--expires", type=EXPIRES, default=14.0, metavar="DAYS",
                        help="days until the link stops working")
    invites = add("invites", cmd_invites, "the project's invite links and their state")
    invites.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    for command in (invite, invites):
        command.add_argument("--base-url", type=_base_url,
                             help="where viewers reach this app (the HTTPS address it is "
                                  "published at); default $SHORTORY_PUBLIC_URL, else this "
                                  "computer's own http://127.0.0.1:8501")
    revoke = add("revoke", cmd_revoke, "stop an invite link from working (what it "
                 "collected stays)")
    revoke.add_argument("project", type=_project_ref, help=PROJECT_HELP)
    revoke.add_argument("invite_id", type=v.ID, metavar="INVITE_ID",
                        help="the invite's id (`invites` lists them)")

    bench = add("bench", cmd_bench, "run the speed benchmarks (ratios against baselines)",
                needs_store=False)
    bench.add_argument("--only", action="append", help="a benchmark's name; repeatable")

    add("projects", cmd_projects, "list projects")
    add("demo", cmd_demo, "create the demo project if missing")

    jobs = add("jobs", cmd_jobs, "list background jobs; retry or cancel one")
    jobs.add_argument("--retry", type=v.ID, metavar="ID",
                      help="run a failed, cancelled or interrupted job again, here")
    jobs.add_argument("--cancel", type=v.ID, metavar="ID", help="stop a job of any process")
    jobs.add_argument("--limit", type=v.LIMIT, default=30, help="most jobs listed")
    return parser


PROJECT_HELP = "the project's id or its name (`projects` lists them)"
EXPIRES = v.Range("--expires", 0.01, 365.0, " days")  # remote/invites.py: MAX_EXPIRES_DAYS


def _project_ref(text: str) -> str:
    """A project's id or name as typed; ``main`` looks it up once the store is open."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a project's id or name, not an empty one")
    return text


def _shared_folder(text: str) -> str:
    """``batch --media-url``, checked before anything runs (``media_urls.shared_folder``)."""
    from shortory_core.sources.media_urls import shared_folder

    try:
        return shared_folder(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_force(command: argparse.ArgumentParser) -> None:
    command.add_argument("--force", action="store_true",
                         help="replace an existing --out file (atomically: the old one stays "
                              "whole until the new one is complete)")


class _Parser(argparse.ArgumentParser):
    """argparse, with a refusal as one line (``error: …``, exit 2) rather than the usage
    block followed by the message."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {for_terminal(message)} (see `{self.prog} --help`)\n")


EXIT_PARTIAL = 3  # a batch that finished with some rows failed


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a refusal (a storage fault included) is one line and exit 2, a bug
    one line and exit 1 (its traceback goes to the log file), a batch with failed rows exit 3,
    Ctrl-C exit 130."""
    args = build_parser().parse_args(argv)
    try:
        store = None
        if args.needs_store:
            store = _open_store(args)
            settle_dead_work(store)  # what every command shows is settled first
            if getattr(args, "project", None) is not None:
                args.project = resolve_project(store, args.project)
        result = args.func(args, store)
        code = int(result.pop("exit_code", 0))
        if "report" in result and not args.json:
            print(for_terminal(result["report"]))
        else:
            _print(result, args.json)
        if code:
            return code
    except ShortoryError as exc:
        print(for_terminal(f"error: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a storage fault or a bug: one line, the traceback in the log
        folder = args.data_dir or data_path()
        log_failure(f"command {args.command}", exc, folder)
        print(for_terminal(f"error: {describe(exc, folder)}"), file=sys.stderr)
        return 2 if user_error(exc, folder) is not None else 1
    return 0
