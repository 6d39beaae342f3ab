"""Making one short: where its edges fall, what its picture shows, the words on it, the cut.

In order: the words around the span (asked of ``words_for``: the project's transcript cache,
or nothing), each edge moved to a scene cut or a pause (``edges.py``), the picture framed for
the layout (``framing.py``), the captions (``subtitles.py`` for the SRT and WebVTT beside the
short, ``burn_in.py`` for the words drawn on it), and the cut itself (``render.py``: copied
between keyframes when the picture is the source's own, re-encoded otherwise).

Nothing here stops a short from being made: no sound, no words, no model, no font each give
a short without speech captions, and ``MadeShort.notes`` says why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shortory_core.clips.burn_in import CaptionFontMissing, caption_filter, font_folder, write_ass
from shortory_core.clips.edges import Edges, snap_edges
from shortory_core.clips.framing import plan_framing
from shortory_core.clips.render import render_clip
from shortory_core.clips.spec import SNAP_TOLERANCE_S, ShortSpec
from shortory_core.clips.subtitles import speech_cues, write_srt, write_vtt
from shortory_core.speech.words import Transcript

WordsFor = Callable[[float, float], Transcript]
NO_SPEECH = "No speech was heard in this part of the video, so it has no captions."


@dataclass(frozen=True)
class Source:
    """The video a short is cut from: its file and what was probed of it."""

    path: Path
    width: int
    height: int
    duration: float


@dataclass
class MadeShort:
    """What became of one short: where it was cut (seconds of the source), its files, and
    why anything is not as asked (an edge kept, captions absent)."""

    start: float
    end: float
    video: Path
    srt: Path | None = None
    vtt: Path | None = None
    edges: Edges | None = None
    language: str = ""
    notes: list[str] = field(default_factory=list)

    def meta(self, relative: Callable[[Path], str]) -> dict[str, Any]:
        """What the clip row records of it (paths relative to the media folder)."""
        return {
            "edges": self.edges.as_dict() if self.edges else None,
            "srt": relative(self.srt) if self.srt else "",
            "vtt": relative(self.vtt) if self.vtt else "",
            "language": self.language, "notes": self.notes,
        }


def make_short(source: Source, start: float, end: float, spec: ShortSpec, out: Path, *,
               work: Path, words_for: WordsFor | None = None, title: str = "",
               progress: Callable[[float, str], None] | None = None,
               cancelled: threading.Event | None = None) -> MadeShort:
    """Cut the short ``[start, end)`` of ``source`` as ``spec`` says into ``out`` (mp4), its
    SRT and WebVTT beside it when it has speech captions. ``work`` holds the scratch files.
    ``words_for(start, end)`` gives the words of a span (``None``: no transcript at all)."""
    say = progress or (lambda fraction, step: None)
    notes: list[str] = []
    transcript = None
    if words_for is not None and (spec.snap or spec.captions == "speech"):
        say(0.0, "Listening for words")
        transcript = _words(words_for, start, end, source.duration,
                            whole=spec.captions == "speech")
        if transcript.absent:
            notes.append(transcript.absent)
    edges = None
    if spec.snap:
        say(0.2, "Finding clean edges")
        edges = snap_edges(source.path, start, end, transcript.words if transcript else (),
                           tolerance=SNAP_TOLERANCE_S, duration=source.duration,
                           longest=spec.longest)
        start, end = edges.start.chosen, edges.end.chosen
    say(0.25, "Framing" if spec.reencodes else "Cutting")
    framing = None
    if spec.layout != "16:9" or spec.platform_size:
        framing = plan_framing(source.path, start, end, spec.shape, source.width,
                               source.height, upscale=spec.platform_size)
    frame = framing.size if framing else (source.width, source.height)
    made = MadeShort(start, end, out, edges=edges, notes=notes,
                     language=transcript.language if transcript else "")
    overlay = None
    if spec.captions != "none":
        overlay = _captions(made, spec, frame, title, transcript, work)
    say(0.3, "Cutting")
    render_clip(source.path, start, end, out, crop=framing, subtitles=overlay,
                cancelled=cancelled,
                progress=lambda fraction: say(0.3 + 0.7 * fraction, "Cutting"))
    return made


def _words(words_for: WordsFor, start: float, end: float, duration: float, *, whole: bool
           ) -> Transcript:
    """The words the short needs: all of its span for speech captions; for clean edges
    alone, only the stretch each edge may move in (a fraction of a long short to hear)."""
    around = (max(start - SNAP_TOLERANCE_S, 0.0), min(end + SNAP_TOLERANCE_S, duration))
    if whole or end - start <= 4 * SNAP_TOLERANCE_S:
        return words_for(*around)
    head = words_for(around[0], start + SNAP_TOLERANCE_S)
    tail = words_for(end - SNAP_TOLERANCE_S, around[1])
    words = tuple(sorted({*head.words, *tail.words}, key=lambda w: w.start))
    heard = head if head.words or not tail.words else tail
    absent = "" if words else head.absent or tail.absent
    return Transcript(*around, words, heard.language, heard.language_probability, absent)


def _captions(made: MadeShort, spec: ShortSpec, frame: tuple[int, int], title: str,
              transcript: Transcript | None, work: Path) -> str | None:
    """Write the short's caption files; returns the filter that burns its captions in, or
    ``None`` when nothing is to be drawn (a note then says why)."""
    duration = made.end - made.start
    speech = spec.captions == "speech"
    cues = []
    if speech:
        cues = speech_cues(transcript.within(made.start, made.end) if transcript else (),
                           made.start, made.end)
        if not cues and not (transcript and transcript.absent):  # else its reason is noted
            made.notes.append(NO_SPEECH if transcript else
                              "No captions: the speech model was not asked.")
        made.srt = write_srt(cues, made.video.with_suffix(".srt"))
        made.vtt = write_vtt(cues, made.video.with_suffix(".vtt"))
    shown_title = title if spec.shows_title else ""
    if not cues and not shown_title:
        return None
    try:
        document = write_ass(work / "captions.ass", cues, frame, spec.shape,
                             spec.style if speech else "none", duration=duration,
                             title=shown_title)
        return caption_filter(document, font_folder(work / "fonts"))
    except CaptionFontMissing as error:
        made.notes.append(f"Captions not drawn: {error}")
        return None
