"""From picked peaks to queued shorts: what each clip is cut for, and the words on it.

A peak's clip carries its emotion (or "fused" / "picked"), its score and attention, and the
best comment said about that part of the video, which becomes the clip's caption when asked.

No short is longer than a cap (``MAX_SHORT_S`` by default, what the platforms take): peaks
merge only while the merged short fits it, and one longer pick is trimmed around its peak.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shortory_core.clips.render import Mode
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.clips.spec import ShortSpec
from shortory_core.highlights.peaks import Peak
from shortory_core.highlights.score import Scorer, ShortScore
from shortory_core.jobs import JobService
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.timefmt import format_seconds

MAX_SHORT_S = 60.0  # YouTube Shorts' and Instagram Reels' limit


@dataclass(frozen=True)
class ShortOptions:
    """How the studio's (and the CLI's) shorts are cut: ``spec`` says how each is made
    (layout, captions, clean edges), ``max_length_s`` and ``merge`` how peaks become shorts."""

    mode: Mode = "exact"
    spec: ShortSpec = field(default_factory=ShortSpec)
    max_length_s: float = MAX_SHORT_S
    merge: bool = True  # False: each peak is its own short


@dataclass
class Short:
    """One clip to cut for one or more peaks whose spans overlap by more than half."""

    start: float
    end: float
    peaks: list[Peak]
    trimmed_from: tuple[float, float] | None = None  # a single pick longer than the cap

    @property
    def best(self) -> Peak:
        return max(self.peaks, key=lambda p: p.score)

    @property
    def kinds(self) -> list[str]:
        """Every emotion the short carries, the strongest first, each once."""
        ordered = sorted(self.peaks, key=lambda p: -p.score)
        return list(dict.fromkeys(p.kind for p in ordered))

    def why(self) -> str:
        """Why these peaks became one short, in words (empty for a single peak)."""
        if len(self.peaks) < 2:
            return ""
        names = ", ".join(f"{p.kind} at {format_seconds(p.time)}" for p in self.peaks)
        return (f"{names}: their clips overlap by more than half, so they are one short "
                f"({format_seconds(self.start)}–{format_seconds(self.end)}).")

    def trim_note(self) -> str:
        """Why the short is shorter than its pick, in words (empty when it is not)."""
        if self.trimmed_from is None:
            return ""
        start, end = self.trimmed_from
        return (f"{format_seconds(start)}–{format_seconds(end)} is longer than the cap: cut "
                f"{format_seconds(self.start)}–{format_seconds(self.end)} around its peak at "
                f"{format_seconds(self.best.time)}.")


def capped(peak: Peak, max_length_s: float) -> Short:
    """A peak's own short, trimmed to ``max_length_s`` centred on its peak time (moved inside
    the pick where the peak sits near an edge)."""
    if peak.end - peak.start <= max_length_s:
        return Short(peak.start, peak.end, [peak])
    start = min(max(peak.time - max_length_s / 2, peak.start), peak.end - max_length_s)
    return Short(start, start + max_length_s, [peak], trimmed_from=(peak.start, peak.end))


def merge_overlapping(peaks: list[Peak], max_length_s: float = MAX_SHORT_S,
                      merge: bool = True) -> list[Short]:
    """Peaks as shorts, none longer than ``max_length_s``, in time order: a peak whose clip
    overlaps a short's by more than half of the shorter of the two joins that short (two
    near-identical shorts are one short, which lists every emotion in it), unless the joined
    short would pass the cap; then the two stay apart. ``merge=False``: one short per peak."""
    shorts: list[Short] = []
    for peak in sorted(peaks, key=lambda p: (p.start, p.end)):
        own = capped(peak, max_length_s)
        for short in shorts if merge else []:
            start, end = min(short.start, own.start), max(short.end, own.end)
            overlap = min(short.end, own.end) - max(short.start, own.start)
            shorter = min(short.end - short.start, own.end - own.start)
            if shorter > 0 and overlap > 0.5 * shorter and end - start <= max_length_s:
                short.start, short.end = start, end
                short.peaks.append(peak)
                break
        else:
            shorts.append(own)
    return shorts


def plan_shorts(peaks: list[Peak], options: ShortOptions) -> list[Short]:
    """The shorts ``render_peaks`` cuts for ``peaks``: what a page counts on its button."""
    return merge_overlapping(peaks, options.max_length_s, options.merge)


def render_peaks(service: JobService, project_id: int, peaks: list[Peak],
                 mentions: MentionsByTime, options: ShortOptions | None = None,
                 scorer: Scorer | None = None) -> list[int]:
    """Queue one clip per short (``plan_shorts``); returns the clip ids."""
    options = options or ShortOptions()
    return render_shorts(service, project_id, plan_shorts(peaks, options), mentions, options,
                         scorer)


def render_shorts(service: JobService, project_id: int, shorts: list[Short],
                  mentions: MentionsByTime, options: ShortOptions,
                  scorer: Scorer | None = None) -> list[int]:
    """Queue one clip per short, filed under its strongest emotion, with its 0–100 score and
    the reasons for it when a ``scorer`` is given; returns the clip ids."""
    ids: list[int] = []
    for short in shorts:
        peak = short.best
        kinds = short.kinds
        top = mentions.nearby(short.start, short.end, limit=1)
        scored = scorer.score(short.start, short.end) if scorer else None
        label = f"{' + '.join(kinds)} · {format_seconds(peak.time)}"
        request = ClipRequest(
            short.start, short.end, scored.total if scored else peak.score, label,
            spec=replace(options.spec, longest=options.max_length_s),
            title=title_line(kinds, scored, top[0].text if top else ""),
            meta={"emotion": peak.kind, "emotions": kinds, "peak_time": peak.time,
                  "prominence": peak.prominence, "attention": peak.attention,
                  "top_comment": top[0].text if top else "", "merged": short.why(),
                  "trimmed": short.trim_note(),
                  **({"score": scored.as_meta()} if scored else {})},
        )
        ids += queue_clips(service, project_id, peak.kind, [request], mode=options.mode)
    return ids


def title_line(kinds: list[str], scored: ShortScore | None, comment: str) -> str:
    """The short's title line: its emotions, its score and the comment said about it
    ("surprise + happy · 82 — “no way he said that”"); the burn-in wraps and shortens it."""
    head = " + ".join(kinds) + (f" · {scored.total}" if scored else "")
    return f"{head} — “{comment}”" if comment else head
