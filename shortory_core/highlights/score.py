"""A 0–100 score for a short that a creator can read: how strong each audience signal is over
the short's span, against the same signal over every other span of that length in this video.

Each part is min–max scaled over all windows of the span's length (every start on the grid):
100 means "as strong as this video's best moment of that length", 0 "as weak as its weakest".
The total is a weighted mean over the parts that have data, so a video nobody watched scores
from its comments alone, and says so. Window values come from cumulative sums, made once per
window length and kept: the studio scores every candidate on each slider change.

Parts:
- ``comments``: distinct comments pointing into the span (a comment listing the span twice
  counts once); ``authors``: distinct people among them. Both are counted per window with the
  "previous occurrence" rule: a comment counts in a window when its previous mention lies
  before the window's start.
- ``replays``: the mean of YouTube's "Most replayed" graph over the span.
- ``expressing``: the share of included viewers who express more than they usually do over the
  span: each viewer's faces are z-scores against their own baseline (``panel.stats.normalise``),
  a bin is expressive when a non-neutral emotion is above the panel's threshold, and a viewer
  counts when the span holds a run of at least ``MIN_EXPRESS_S`` of expressive bins (single
  noisy bins do not count).
- ``attention``: the viewers' mean attention over the span.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from shortory_core.clips.library import SCORE_PARTS as PARTS  # the CSV's columns, one list
from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.panel.grids import PanelGrids, load_grids
from shortory_core.panel.stats import PanelOptions, normalise
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.store import Store

WEIGHTS: Mapping[str, float] = {"comments": 1.0, "authors": 1.0, "replays": 0.5,
                                "expressing": 1.0, "attention": 0.5}
VIEWER_PARTS = ("expressing", "attention")
TIMELINE_KEYS = {"replays": "heatmap", "attention": "attention"}  # parts read off the timeline
MIN_EXPRESS_S = 2.0
VIEWER_STEP_S = 1.0  # the panel's grid: a thousand viewers stay a small array
EXPRESSIVE = tuple(e for e in PRODUCT_EMOTIONS if e != "neutral")
LOOKS = {"happy": "smiling", "surprise": "surprised", "sad": "sad", "angry": "angry"}


@dataclass(frozen=True)
class PartScore:
    points: int  # 0–100 against this video's windows of the same length
    value: float  # the raw measure over the span (a count, a mean, a share)
    why: str


@dataclass(frozen=True)
class ShortScore:
    total: int
    parts: dict[str, PartScore]
    why: str

    def as_meta(self) -> dict:
        """The form a clip's ``meta["score"]`` keeps (plain JSON)."""
        return {"total": self.total, "parts": {k: asdict(p) for k, p in self.parts.items()},
                "why": self.why}


@dataclass(frozen=True)
class ViewerFaces:
    """Per included viewer and bin of ``step`` seconds: expressive (1.0), not (0.0) or no data
    (NaN), and which non-neutral emotion was strongest (an index into ``EXPRESSIVE``)."""

    step: float
    expressive: np.ndarray  # viewers × bins
    emotion: np.ndarray  # viewers × bins, int

    @classmethod
    def of(cls, grids: PanelGrids, options: PanelOptions | None = None) -> ViewerFaces:
        """From the panel's grids (its included viewers), as the panel judges expressing."""
        options = options or PanelOptions()
        values = normalise(grids) if options.normalise else grids.values.astype(np.float64)
        limit = options.threshold if options.normalise else options.raw_threshold
        rows = np.stack([values[grids.columns.index(e)] for e in EXPRESSIVE])
        present = np.isfinite(rows).any(axis=0)
        strongest = np.nanargmax(np.where(np.isfinite(rows), rows, -np.inf), axis=0)
        top = np.take_along_axis(rows, strongest[None], axis=0)[0]
        expressive = np.where(present, (np.nan_to_num(top, nan=-np.inf) > limit) * 1.0, np.nan)
        return cls(grids.step, expressive, strongest)


def viewer_faces(store: Store, project_id: int, duration: float,
                 session_ids: list[int] | None = None) -> ViewerFaces:
    """The project's included viewers (of ``session_ids`` when given) as ``ViewerFaces``."""
    grids = load_grids(store, project_id, VIEWER_STEP_S, duration=duration)
    keep = grids.included & np.array(
        [session_ids is None or q.session_id in session_ids for q in grids.quality], bool)
    return ViewerFaces.of(grids.subset(keep))


@dataclass
class Scorer:
    """Scores spans of one project. Build it once per timeline; each window length's series
    are computed on first use and kept."""

    timeline: ProjectTimeline
    mentions: MentionsByTime
    faces: ViewerFaces | None = None
    weights: Mapping[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    _windows: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        step, bins = self.timeline.step, len(self.timeline.t)
        m = self.mentions
        where = np.clip((m.seconds / step).astype(np.int64), 0, bins - 1)
        owners = m.mentions.owner[m.order]
        authors = m.mentions.author_codes()[m.order] if len(m) else owners
        self._mention_bins = where
        self._keys = {"comments": owners, "authors": authors}
        self._previous = {name: _previous_bin(where, keys) for name, keys in self._keys.items()}

    # -- the parts as series over window starts --------------------------------------------

    def _series(self, part: str, length: int) -> np.ndarray:
        """The part's value for every window of ``length`` bins of its grid, by start."""
        key = (part, length)
        if key not in self._windows:
            self._windows[key] = self._compute(part, length)
        return self._windows[key]

    def _compute(self, part: str, length: int) -> np.ndarray:
        if part in self._keys:
            return _distinct_per_window(self._mention_bins, self._previous[part],
                                        len(self.timeline.t), length)
        if part in TIMELINE_KEYS:
            return _window_means(self.timeline[TIMELINE_KEYS[part]], length)
        assert self.faces is not None
        share, _ = _expressing(self.faces.expressive, length, self.faces.step)
        return share

    def _bins(self, start: float, end: float, step: float, bins: int) -> tuple[int, int]:
        """The span as bins ``[lo, hi)`` of a grid of ``step`` (at least one bin)."""
        lo = min(max(math.floor(start / step + 1e-9), 0), bins - 1)
        hi = min(max(math.ceil(end / step - 1e-9), lo + 1), bins)
        return lo, hi

    # -- one span ---------------------------------------------------------------------------

    def score(self, start: float, end: float) -> ShortScore:
        """The span's score, its parts and the one line that explains it."""
        parts: dict[str, PartScore] = {}
        lo, hi = self._bins(start, end, self.timeline.step, len(self.timeline.t))
        for part in ("comments", "authors", "replays", "attention"):
            if part in TIMELINE_KEYS and TIMELINE_KEYS[part] not in self.timeline.values:
                continue
            series = self._series(part, hi - lo)
            value = float(series[min(lo, len(series) - 1)])
            points = _points(value, series)
            if points is not None:
                parts[part] = PartScore(points, round(value, 3), _part_why(part, value, series))
        if "comments" in parts and "authors" in parts:  # one phrase: "14 comments from 11…"
            count, _, rest = parts["comments"].why.partition(" (")
            authors = int(parts["authors"].value)
            parts["comments"] = replace(parts["comments"], why=(
                f"{count} from {authors} author{'' if authors == 1 else 's'}"
                + (f" ({rest}" if rest else "")))
        has_viewers = self.faces is not None and bool(self.faces.expressive.size)
        if has_viewers:
            parts |= self._expressing_part(start, end)
        return _total(parts, {k: self.weights.get(k, 0.0) for k in PARTS}, has_viewers)

    def _expressing_part(self, start: float, end: float) -> dict[str, PartScore]:
        faces = self.faces
        assert faces is not None
        lo, hi = self._bins(start, end, faces.step, faces.expressive.shape[1])
        series = self._series("expressing", hi - lo)
        at = min(lo, len(series) - 1)
        value = float(series[at])
        points = _points(value, series)
        if points is None:
            return {}
        _, counting = _expressing(faces.expressive[:, lo:hi], hi - lo, faces.step)
        counting = counting[:, 0]
        watched = int(np.isfinite(faces.expressive[:, lo:hi]).any(axis=1).sum())
        looks = faces.emotion[counting, lo:hi][faces.expressive[counting, lo:hi] == 1.0]
        look = LOOKS[EXPRESSIVE[int(np.bincount(looks, minlength=len(EXPRESSIVE)).argmax())]] \
            if len(looks) else "expressing"
        why = f"{int(counting.sum())} of {watched} viewers {look}"
        return {"expressing": PartScore(points, round(value, 3), why)}


def _previous_bin(where: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each mention, the bin of the previous mention with the same key (-1 for none)."""
    previous = np.full(len(where), -1, np.int64)
    if not len(where):
        return previous
    order = np.lexsort((where, keys))
    same = keys[order][1:] == keys[order][:-1]
    previous[order[1:][same]] = where[order[:-1][same]]
    return previous


def _distinct_per_window(where: np.ndarray, previous: np.ndarray, bins: int, length: int
                         ) -> np.ndarray:
    """Distinct keys per window of ``length`` bins, for every start: a mention in bin ``b``
    whose key was last seen in bin ``p`` counts for the starts ``max(b − length + 1, p + 1)``
    to ``b``: one +1/−1 pair each, then a running sum."""
    starts = max(bins - length + 1, 1)
    first = np.maximum(where - length + 1, previous + 1)
    last = np.minimum(where, starts - 1)
    valid = first <= last
    delta = np.zeros(starts + 1)
    np.add.at(delta, first[valid], 1.0)
    np.add.at(delta, last[valid] + 1, -1.0)
    return np.cumsum(delta)[:starts]


def _window_means(values: np.ndarray, length: int) -> np.ndarray:
    """The mean of the finite values in every window of ``length`` bins (NaN: none)."""
    finite = np.isfinite(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(finite, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(finite)])
    length = min(length, len(values))
    sums, counts = total[length:] - total[:-length], count[length:] - count[:-length]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _expressing(expressive: np.ndarray, length: int, step: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per window of ``length`` bins: the share of viewers with data there who express in it
    (a run of at least ``MIN_EXPRESS_S`` of expressive bins inside the window: one noisy bin
    is not an expression), and which viewers those are (viewers × windows)."""
    run = max(round(MIN_EXPRESS_S / step), 1)
    length = min(max(length, run), expressive.shape[1])
    present = np.isfinite(expressive)
    on = _running(np.where(present, expressive, 0.0), run)  # on[:, i]: bins i..i+run-1
    full = np.concatenate([on >= run - 1e-9, np.zeros((len(on), run - 1), bool)], axis=1)
    watching = _running(present, length) > 0
    counting = (_running(full, length - run + 1) > 0)[:, :watching.shape[1]] & watching
    seen = watching.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(seen > 0, counting.sum(axis=0) / np.maximum(seen, 1), np.nan)
    return share, counting


def _running(rows: np.ndarray, length: int) -> np.ndarray:
    """Sums of ``length`` consecutive bins of each row, for every start (rows × starts)."""
    total = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(rows, axis=1)], axis=1)
    return total[:, length:] - total[:, :-length]


def _points(value: float, series: np.ndarray) -> int | None:
    """``value`` scaled between the weakest and strongest window (None: no data, or every
    window alike, so the part says nothing about this span)."""
    finite = series[np.isfinite(series)]
    if not math.isfinite(value) or not len(finite):
        return None
    low, high = float(finite.min()), float(finite.max())
    if high - low <= 1e-12:
        return None
    return round(100 * min(max((value - low) / (high - low), 0.0), 1.0))


def _top_share(value: float, series: np.ndarray) -> str:
    """Where ``value`` stands among the windows of its length: "the most of any span", "more
    than 85% of spans", or nothing to say (no more than most). Windows tied with it count
    neither way: every window holding the same burst of comments ties with the best."""
    finite = series[np.isfinite(series)]
    if not len(finite) or value <= 0:
        return ""
    if value >= float(finite.max()) - 1e-9:
        return " (the most of any span)"
    below = float((finite < value - 1e-9).mean())
    return f" (more than {math.floor(below * 100)}% of spans)" if below >= 0.5 else ""


def _part_why(part: str, value: float, series: np.ndarray) -> str:
    if part == "comments":
        count = round(value)
        return f"{count} comment{'' if count == 1 else 's'}{_top_share(value, series)}"
    if part == "authors":
        count = round(value)
        return f"{count} author{'' if count == 1 else 's'}{_top_share(value, series)}"
    if part == "replays":
        return f"most replayed {value:.2f}"
    return f"attention {value:.2f}"


def _total(parts: dict[str, PartScore], weights: Mapping[str, float], has_viewers: bool
           ) -> ShortScore:
    """The weighted mean of the parts present, and the line that says what it rests on."""
    if not parts:
        return ShortScore(0, {}, "0: no signal has data for this span")
    weight = sum(weights[k] for k in parts)
    total = round(sum(weights[k] * p.points for k, p in parts.items()) / weight) \
        if weight > 0 else 0
    words = [parts[k].why for k in ("comments", "replays", "expressing", "attention")
             if k in parts]
    if not any(k in parts for k in VIEWER_PARTS):
        words.append("no viewer watched this part" if has_viewers
                     else "no viewers: scored from the crowd alone")
    return ShortScore(total, parts, f"{total}: " + ", ".join(words))
