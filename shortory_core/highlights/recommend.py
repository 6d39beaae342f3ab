"""Shorts to watch next, chosen by the mood a viewer's face showed while watching.

The rule, as music-by-mood players apply it (and an earlier emotion app of this team did):

- the **mood** is the emotion with the highest mean probability over the viewer's last
  ``MOOD_WINDOW_S`` seconds of face samples (neutral only when nothing else reaches
  ``NEUTRAL_MARGIN`` of it);
- a **low mood lifts**: after sad or angry, happy shorts first, then surprise;
- a **good mood is matched**: after happy or surprise, more of the same, then the other;
- a **neutral** viewer is woken up: surprise first, then happy.

Among shorts of the same emotion the higher score comes first; each recommendation says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shortory_core.records import PRODUCT_EMOTIONS, ClipRecord, ClipStatus

MOOD_WINDOW_S = 180.0
NEUTRAL_MARGIN = 0.6  # another emotion is the mood once it reaches 60% of neutral
ORDER = {"sad": ("happy", "surprise"), "angry": ("happy", "surprise"),
         "happy": ("happy", "surprise"), "surprise": ("surprise", "happy"),
         "neutral": ("surprise", "happy")}
EFFECT = {"sad": "should lift it", "angry": "should lift it", "happy": "matches it",
          "surprise": "matches it", "neutral": "should wake you up"}


@dataclass(frozen=True)
class Mood:
    emotion: str
    share: float  # the mood's mean probability
    seconds: float  # of face samples it was measured over
    means: dict[str, float]


@dataclass(frozen=True)
class Recommendation:
    clip: ClipRecord
    why: str


def measure_mood(samples: list[dict], window_s: float = MOOD_WINDOW_S) -> Mood | None:
    """The mood over the last ``window_s`` seconds (of the recording's own clock) of a
    session's face samples; ``None`` when the face was never seen."""
    faces = [s for s in samples if s.get("face_found") and not s.get("paused")]
    if not faces:
        return None
    end = max(s["source_time"] for s in faces)
    recent = [s for s in faces if s["source_time"] >= end - window_s]
    means = {e: float(np.mean([s.get(e) or 0.0 for s in recent])) for e in PRODUCT_EMOTIONS}
    others = {e: v for e, v in means.items() if e != "neutral"}
    strongest = max(others, key=others.__getitem__)
    emotion = strongest if others[strongest] >= NEUTRAL_MARGIN * means["neutral"] \
        else "neutral"
    span = end - min(s["source_time"] for s in recent)
    return Mood(emotion, means[emotion], span, means)


def clip_emotions(clip: ClipRecord) -> list[str]:
    """The emotions a short carries (a merged short carries several)."""
    return list(clip.meta.get("emotions") or [clip.meta.get("emotion") or clip.kind])


def recommend(clips: list[ClipRecord], mood: Mood, limit: int = 3) -> list[Recommendation]:
    """Finished shorts for a viewer in ``mood``, best first, each with its reason."""
    wanted = ORDER[mood.emotion]
    ranked = []
    for clip in clips:
        if clip.status != ClipStatus.DONE:
            continue
        carried = clip_emotions(clip)
        rank = next((i for i, e in enumerate(wanted) if e in carried), None)
        if rank is not None:
            ranked.append((rank, -clip.score, clip.id, clip, wanted[rank]))
    ranked.sort(key=lambda r: r[:3])
    spell = f"{mood.seconds / 60:.0f} min" if mood.seconds >= 60 else f"{mood.seconds:.0f} s"
    felt = f"You looked mostly {mood.emotion} over your last {spell} ({mood.share:.0%})"
    return [Recommendation(clip, f"{felt}: this {emotion} short {EFFECT[mood.emotion]}.")
            for _, _, _, clip, emotion in ranked[:limit]]
