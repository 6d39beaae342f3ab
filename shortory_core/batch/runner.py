"""``batch MANIFEST``: many projects and recorded viewers in one resumable run.

Each step is a job of the job service (``import``/``fetch``, ``comments``, ``analyse``, ``panel``,
``highlights``, ``render``), so it shows on the pages, and a killed run leaves jobs that
recovery marks ``interrupted``. A rerun of the same manifest skips what is done:

- a project named in the manifest that exists is used as it is (a name that several projects
  share is refused: give the id);
- a comment file already imported into the project (by its path) is not imported again;
- each recording row has its own session, found by the row's identity (project, recording,
  viewer, offset, group: ``RecordingEntry.work_key``), which the store keeps unique; a row
  that repeats an earlier one is merged into it. An analysed session is not analysed again;
  a session left unfinished by a killed run is analysed again, and its samples replace what
  is there (each part is written by key, and the finished session's parts replace all
  others), so nothing is ever doubled.

Two runs of one manifest at once do each piece of work once: a project is made under a claim
on its name, and a session is analysed under a claim on the session (``JobService.submit``),
each checked again by the job that holds the claim.

A row that fails (a missing file, an unreadable recording) is reported with its row number;
the batch goes on with everything that does not depend on it.

Engines: ``local`` runs recordings as ``analyse`` jobs on this process's analysis lane (both
cores per recording). ``ray`` sends them, in chunks, to actors of a Ray cluster
(``ray_engine.py``); the workers write their samples as Parquet parts into the sessions'
folders themselves, and only the parts' descriptions come back: this process alone writes the
database, recording them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shortory_core.batch.manifest import Manifest, ProjectEntry, RecordingEntry
from shortory_core.batch.tasks import AnalysisTask, ChunkSamples, plan_tasks
from shortory_core.errors import ShortoryError, StoreError, describe
from shortory_core.jobs import Job, JobService
from shortory_core.kinds import job_service
from shortory_core.kinds.analysis import check_engines
from shortory_core.reactions.sessions import check_recording, link_recording
from shortory_core.records import ClipStatus, JobStatus, SessionStatus, StepStatus, VideoInfo
from shortory_core.store import Store
from shortory_core.store.sample_files import SamplePart
from shortory_core.timefmt import format_seconds

Progress = Callable[[float, str], None]
POLL_S = 0.2
ANALYSIS_WEIGHT = 4  # a recording's analysis counts as this many simple steps


@dataclass(frozen=True)
class BatchOptions:
    engine: str = "local"  # "local" or "ray"
    address: str | None = None  # Ray: None (local Ray), "auto" or "ray://HOST:PORT"
    workers: int | None = None  # Ray actors (default: the cluster's CPUs)
    media_url: str | None = None  # Ray: the data folder's media/ as the workers reach it
    fps: float = 5.0
    render: bool = False


@dataclass(frozen=True)
class Step:
    """One line of the summary."""

    rows: str
    project: str
    step: str
    status: StepStatus
    detail: str

    def as_dict(self) -> dict:
        return {"rows": self.rows, "project": self.project, "step": self.step,
                "status": self.status, "detail": self.detail}


@dataclass
class Pending:
    """A recording to analyse: its session and manifest entry (``note``: said with its
    result, such as how far it runs past the video's end; ``with_job``: the session was made
    with its ``analyse`` job, which waits to be handed to a worker)."""

    session_id: int
    entry: RecordingEntry
    project: str
    note: str = ""
    with_job: bool = False


@dataclass
class BatchRun:
    store: Store
    manifest: Manifest
    options: BatchOptions = field(default_factory=BatchOptions)
    progress: Progress | None = None
    steps: list[Step] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds, for the summary
    _done: float = 0.0
    _total: float = 1.0

    def run(self) -> list[Step]:
        project_of = {row: p.key for p in self.manifest.projects for row in p.rows}
        for row, why in self.manifest.problems:
            self.steps.append(Step(str(row), project_of.get(row, ""), "manifest",
                                   StepStatus.FAILED, why))
        for entry in self.manifest.projects:
            for row, first in entry.repeats:
                self._step(str(row), entry.key, "manifest", StepStatus.MERGED,
                           f"repeats row {first}: one session")
        entries = self.manifest.projects
        if self.manifest.recordings:  # models that cannot load refuse the run, making nothing
            check_engines("short", True)
        self._total = max(1.0, sum(3 + len(e.comments) + ANALYSIS_WEIGHT * len(e.recordings)
                                   for e in entries))
        service = job_service(self.store, workers=True)
        try:
            projects = {e.key: self._project(service, e) for e in entries}
            pending: list[Pending] = []
            for entry in entries:
                if projects[entry.key] is not None:
                    self._comments(service, entry, projects[entry.key])
                    pending += self.sessions_to_analyse(
                        entry, projects[entry.key],
                        service if self.options.engine == "local" else None)
                else:
                    self._advance(len(entry.comments) + ANALYSIS_WEIGHT * len(entry.recordings))
            if pending:
                started = time.perf_counter()
                if self.options.engine == "ray":
                    self._analyse_on_ray(pending)
                else:
                    self._analyse_locally(service, pending)
                self.timings["analysis_s"] = time.perf_counter() - started
            for entry in entries:
                if projects[entry.key] is not None:
                    self._aggregates(service, entry, projects[entry.key])
                else:
                    self._advance(2)
        finally:
            service.close()
        self._report(1.0, "Done")
        return self.steps

    # -- projects and comments ---------------------------------------------------------------

    def _project(self, service: JobService, entry: ProjectEntry) -> int | None:
        rows = _rows(entry.rows)
        if entry.project_id is not None:
            found = self.store.get_project(entry.project_id) is not None
            self._step(rows, entry.key, "project",
                       StepStatus.SKIPPED if found else StepStatus.FAILED,
                       "exists" if found else f"no project {entry.project_id}")
            self._advance(1)
            return entry.project_id if found else None
        same = self.store.projects_named(entry.key)
        if len(same) > 1:
            self._step(rows, entry.key, "project", StepStatus.FAILED,
                       f"{len(same)} projects have this name (ids "
                       f"{', '.join(map(str, same))}): give the id")
            self._advance(1)
            return None
        if same:
            self._step(rows, entry.key, "project", StepStatus.SKIPPED, f"exists (id {same[0]})")
            self._advance(1)
            return same[0]
        if entry.video is None:
            self._step(rows, entry.key, "project", StepStatus.FAILED,
                       "no project of this name and no video to make it from")
            self._advance(1)
            return None
        row, video = entry.video
        self._report(self._done / self._total, f"{entry.key}: importing the video")
        kind = "fetch" if video.startswith(("http://", "https://")) else "import"
        params = ({"url": video, "with_comments": True} if kind == "fetch"
                  else {"video": video}) | {"name": entry.key, "unless_named": True}
        job = self._job(service, kind, params, claim=f"project named {entry.key}")
        self._advance(1)
        if job.status != JobStatus.DONE:
            self._step(str(row), entry.key, "project", StepStatus.FAILED, job.error or job.message)
            return None
        project_id = int(job.result["project_id"])
        if job.owner != service.owner:  # a concurrent run held the claim and made it
            self._step(str(row), entry.key, "project", StepStatus.SKIPPED,
                       f"made by another run at the same time (id {project_id})")
        else:
            self._step(str(row), entry.key, "project",
                       StepStatus.SKIPPED if job.result.get("existed") else StepStatus.DONE,
                       job.message)
        return project_id

    def _comments(self, service: JobService, entry: ProjectEntry, project_id: int) -> None:
        imported = {f for r in self.store.comment_imports(project_id) for f in r.files}
        for row, path in entry.comments:
            name = str(path.absolute())
            if name in imported:
                self._step(str(row), entry.key, "comments", StepStatus.SKIPPED,
                           f"{path.name} imported")
            else:
                job = self._job(service, "comments", {"project_id": project_id,
                                                      "file": name, "name": name},
                                project_id=project_id)
                self._job_step(str(row), entry.key, "comments", job)
                imported.add(name)
            self._advance(1)

    # -- recordings --------------------------------------------------------------------------

    def sessions_to_analyse(self, entry: ProjectEntry, project_id: int,
                            analyses: JobService | None = None) -> list[Pending]:
        """Each recording row's own session (made by an earlier or a concurrent run of this
        manifest, or now); the ones still to analyse. A recording is checked before its
        session is made; with ``analyses`` (the local engine) a new session is made in one
        transaction with its ``analyse`` job, so a kill never leaves it without one."""
        known = {s.work_key: s for s in self.store.sessions(project_id) if s.work_key}
        video = self.store.get_video(project_id)
        pending = []
        for rec in entry.recordings:
            session = known.get(rec.work_key)
            if session is not None and session.status == SessionStatus.ANALYSED \
                    and session.n_samples:
                self._step(str(rec.row), entry.key, f"analyse {rec.viewer}", StepStatus.SKIPPED,
                           f"analysed ({session.n_samples} samples)")
                self._advance(ANALYSIS_WEIGHT)
                continue
            try:
                note = _past_the_end(rec.offset, check_recording(rec.url), video)
            except ShortoryError as exc:
                self._step(str(rec.row), entry.key, f"analyse {rec.viewer}", StepStatus.FAILED,
                           str(exc))
                self._advance(ANALYSIS_WEIGHT)
                continue
            if session is None:
                meta = {"fps": self.options.fps, "detector": "short", "iris": True} | (
                    {"group": rec.group} if rec.group else {})
                job = analyses.request("analyse", self._analysis_params(),
                                       project_id=project_id) if analyses else None
                session_id = link_recording(self.store, project_id, rec.viewer, rec.url,
                                            time_offset=rec.offset, meta=meta,
                                            work_key=rec.work_key, job=job)
            else:
                session_id, job = int(session.id), None
            pending.append(Pending(session_id, rec, entry.key, note, with_job=job is not None))
        return pending

    def _analysis_params(self) -> dict:
        return {"fps": self.options.fps, "unless_analysed": True}

    def _analyse_locally(self, service: JobService, pending: list[Pending]) -> None:
        jobs = {}
        for p in pending:  # a session's job: made with it, running in another run, or new
            jobs[p.session_id] = service.submit(
                "analyse", self._analysis_params() | {"session_id": p.session_id},
                project_id=self.store.session(p.session_id).project_id,
                subject_id=p.session_id)
            if p.with_job:
                service.enqueue(jobs[p.session_id])
        base = self._done
        for p in pending:
            while (job := service.wait(jobs[p.session_id], timeout=POLL_S)).active:
                running = sum(_job_progress(service, j) for j in jobs.values())
                self._report((base + ANALYSIS_WEIGHT * running) / self._total,
                             f"analysing {p.entry.viewer}")
            if job.owner != service.owner and job.status == JobStatus.DONE:
                self._step(str(p.entry.row), p.project, f"analyse {p.entry.viewer}",
                           StepStatus.SKIPPED, f"analysed by another run at the same time "
                           f"({int(job.result.get('samples', 0))} samples)")
                self._advance(ANALYSIS_WEIGHT)
                continue
            self._analysed(p, job.status == JobStatus.DONE, job.error or job.message,
                           int(job.result.get("samples", 0)))

    def _analyse_on_ray(self, pending: list[Pending]) -> None:
        from shortory_core.batch.ray_engine import RayEngine
        from shortory_core.vision.cards import default_card

        model = default_card("emotion").name
        plans: dict[int, list[AnalysisTask]] = {}
        for p in pending:
            session = self.store.session(p.session_id)
            try:
                plans[p.session_id] = plan_tasks(
                    p.session_id, p.entry.url, fps=self.options.fps, offset=p.entry.offset,
                    profile=self.store.profile(session.viewer, model),
                    folder=self._parts_folder(p.session_id))
            except Exception as exc:  # an unreadable recording fails its row only
                self.store.set_session_status(p.session_id, SessionStatus.FAILED)
                self._analysed(p, False, describe(exc), 0)
        by_session = {p.session_id: p for p in pending if p.session_id in plans}
        if not by_session:
            return
        parts: dict[int, list[SamplePart]] = {sid: [] for sid in by_session}
        left = {sid: len(tasks) for sid, tasks in plans.items()}
        errors: dict[int, str] = {}
        total_tasks = sum(left.values())

        def done(task: AnalysisTask, part: SamplePart | ChunkSamples | None, error: str
                 ) -> None:
            sid = task.session_id
            if isinstance(part, ChunkSamples):  # a worker that cannot reach the data folder
                try:
                    part = self.store.write_part_file(sid, part.key, part.table)
                except StoreError as exc:
                    error = str(exc)
            if error:
                errors.setdefault(sid, error)
            elif part is not None:
                parts[sid].append(part)
            left[sid] -= 1
            self._advance(ANALYSIS_WEIGHT * len(by_session) / total_tasks)
            if left[sid] == 0:
                self._record_session(by_session[sid], parts.pop(sid), errors.get(sid))

        for sid in by_session:
            self.store.set_session_status(sid, SessionStatus.ANALYSING)
        started = time.perf_counter()
        engine = RayEngine(self.options.address, self.options.workers)
        engine.pids()  # every actor up, its engine's code loaded: what start-up costs
        self.timings["engine_start_s"] = time.perf_counter() - started
        try:
            engine.run([t for tasks in plans.values() for t in tasks], done)
        finally:
            engine.close()

    def _parts_folder(self, session_id: int) -> str:
        """Where the workers write a session's parts: its folder, seen through
        ``BatchOptions.media_url`` when the workers reach the media folder by a URL; on a
        local Ray, the folder itself. A cluster (``address``) without a ``media_url`` gets
        "": its workers may be other machines, so they send their samples to the driver."""
        folder = self.store.sample_folder(session_id)
        if self.options.media_url is None:
            return str(folder) if self.options.address is None else ""
        relative = folder.relative_to(self.store.media_root).as_posix()
        return f"{self.options.media_url.rstrip('/')}/{relative}"

    def _record_session(self, pending: Pending, parts: list[SamplePart],
                        error: str | None) -> None:
        """The driver is the database's one writer: a session's parts, written by its
        workers, counted in one transaction that drops any an interrupted run left."""
        samples = sum(p.rows for p in parts)
        if error is None:
            self.store.record_sample_parts(pending.session_id, parts, replace=True)
            self.store.set_session_status(pending.session_id, SessionStatus.ANALYSED, ended=True)
        else:
            self.store.set_session_status(pending.session_id, SessionStatus.FAILED)
        self._step_for(pending, error is None, error or "", samples)

    def _analysed(self, pending: Pending, ok: bool, why: str, samples: int) -> None:
        self._step_for(pending, ok, why, samples)
        self._advance(ANALYSIS_WEIGHT)

    def _step_for(self, pending: Pending, ok: bool, why: str, samples: int) -> None:
        self._step(str(pending.entry.row), pending.project, f"analyse {pending.entry.viewer}",
                   StepStatus.DONE if ok else StepStatus.FAILED,
                   f"{samples} samples{pending.note}" if ok else why)

    # -- aggregates and renders --------------------------------------------------------------

    def _aggregates(self, service: JobService, entry: ProjectEntry, project_id: int) -> None:
        rows = _rows(entry.rows)
        for kind in ("panel", "highlights"):
            job = self._job(service, kind, {"project_id": project_id}, project_id=project_id)
            self._job_step(rows, entry.key, kind, job)
            self._advance(1)
            if kind == "highlights" and job.status == JobStatus.DONE and self.options.render:
                self._render(service, entry, project_id, job)

    def _render(self, service: JobService, entry: ProjectEntry, project_id: int,
                highlights: Job) -> None:
        from shortory_core.highlights.peaks import Peak
        from shortory_core.highlights.shorts import render_peaks
        from shortory_core.signals.mentions_by_time import MentionsByTime
        from shortory_core.signals.stored_mentions import project_mentions

        peaks = [Peak(**p) for p in highlights.result.get("peaks", [])]
        video = self.store.get_video(project_id)
        mentions = MentionsByTime(project_mentions(self.store, project_id,
                                                   video.duration if video else None))
        clip_ids = render_peaks(service, project_id, peaks, mentions)
        while any(c is not None and c.status.pending
                  for c in map(self.store.clip, clip_ids)):
            self._report(self._done / self._total, f"{entry.key}: rendering")
            time.sleep(POLL_S)
        clips = [self.store.clip(i) for i in clip_ids]
        bad = [c for c in clips if c is None or c.status != ClipStatus.DONE]
        self._step(_rows(entry.rows), entry.key, "render",
                   StepStatus.FAILED if bad else StepStatus.DONE,
                   f"{len(clips) - len(bad)} of {len(clips)} clips rendered"
                   + (f"; first error: {bad[0].error}" if bad and bad[0] else ""))

    # -- bookkeeping -------------------------------------------------------------------------

    def _job(self, service: JobService, kind: str, params: dict, *,
             project_id: int | None = None, claim: str | None = None) -> Job:
        job_id = service.submit(kind, params, project_id=project_id, claim=claim)
        while (job := service.wait(job_id, timeout=POLL_S)).active:
            self._report((self._done + job.progress) / self._total, job.message or kind)
        return job

    def _step(self, rows: str, project: str, step: str, status: StepStatus,
              detail: str) -> None:
        self.steps.append(Step(rows, project, step, status, detail))

    def _job_step(self, rows: str, project: str, step: str, job: Job) -> None:
        """A step that was one job: done with its message, or failed with its error."""
        if job.status == JobStatus.DONE:
            self._step(rows, project, step, StepStatus.DONE, job.message)
        else:
            self._step(rows, project, step, StepStatus.FAILED, job.error or job.message)

    def _advance(self, units: float) -> None:
        self._done += units
        self._report(self._done / self._total, "")

    def _report(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(min(fraction, 1.0), message)


def _past_the_end(offset: float, length: float | None, video: VideoInfo | None) -> str:
    """How far a recording runs past the video's end from its offset ("" when it does not);
    ``ShortoryError`` when it starts after the end: nothing of it could be charted."""
    if video is None:
        return ""
    if offset >= video.duration:
        raise ShortoryError(f"offset {format_seconds(offset)} is past the video's end "
                            f"({format_seconds(video.duration)})")
    past = offset + (length or 0.0) - video.duration
    return f"; its last {past:.1f} s run past the video's end" if past > 0.5 else ""


def _job_progress(service: JobService, job_id: int) -> float:
    job = service.store.jobs.get(job_id)
    return 1.0 if job is None or not job.active else job.progress


def _rows(rows: list[int]) -> str:
    return ", ".join(map(str, rows)) if len(rows) <= 3 else f"{rows[0]}–{rows[-1]}"


def summary_table(steps: list[Step]) -> str:
    """The summary as aligned text columns."""
    header = ("rows", "project", "step", "status", "detail")
    lines = [header] + [(s.rows, s.project, s.step, s.status, s.detail) for s in steps]
    widths = [min(max(len(line[i]) for line in lines), 40) for i in range(4)]
    out = []
    for line in lines:
        out.append("  ".join(cell[:w].ljust(w) for cell, w in zip(line[:4], widths,
                                                                  strict=True))
                   + "  " + line[4])
    done = sum(s.status == StepStatus.DONE for s in steps)
    skipped = sum(s.status == StepStatus.SKIPPED for s in steps)
    merged = sum(s.status == StepStatus.MERGED for s in steps)
    failed = sum(s.status == StepStatus.FAILED for s in steps)
    out.append(f"steps: {done} done, {skipped} skipped (done before or by another run), "
               + (f"{merged} repeated rows merged, " if merged else "") + f"{failed} failed")
    return "\n".join(out)
