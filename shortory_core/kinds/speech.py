"""The job that transcribes a project's whole video, so every later short, caption and the
speech signal read the cache instead of waiting on the model. It runs in the ``analysis`` lane:
Whisper keeps both cores busy, as a face analysis does, and the two must not fight for them."""

from __future__ import annotations

from typing import Any

from shortory_core.jobs import JobContext, JobKind
from shortory_core.speech.cache import transcribe_project


def transcribe_job(ctx: JobContext) -> dict[str, Any]:
    """``transcribe``: the project's whole video, kept in the transcript cache."""
    project_id = int(ctx.params["project_id"])
    ctx.progress(0.0, "Loading the speech model")
    transcript = transcribe_project(
        ctx.store, project_id, cancelled=ctx.cancelled,
        progress=lambda f: ctx.progress(0.02 + 0.98 * f, "Transcribing the speech"))
    ctx.progress(1.0, "Transcribed")
    if transcript.absent:
        summary = transcript.absent
    else:
        summary = (f"{len(transcript.words)} words transcribed "
                   f"(language {transcript.language}, {transcript.language_probability:.0%}).")
    return {"summary": summary, "project_id": project_id, "words": len(transcript.words),
            "language": transcript.language, "absent": transcript.absent,
            "start": transcript.start, "end": transcript.end}


KINDS = (JobKind("transcribe", "analysis", transcribe_job, None, "Transcribe the speech",
                 one_per_subject=True),)
