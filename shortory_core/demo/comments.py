"""The demo's comment dump, in youtube-comment-downloader's JSON-lines format.

Written the way real viewers write: timestamps in many forms (``0:42``, ``1분 5초``, ranges),
replies, likes like ``1.2K``, and the noise a good extractor must reject (scores, clock times,
one author repeating a timestamp, a time beyond the video's end). Seeded, so the demo is the
same on every machine.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from shortory_core.demo.video import EVENTS
from shortory_core.timefmt import format_seconds

# How many viewers mention each event: the ranking a correct extractor must recover.
MENTIONS_PER_EVENT = (55, 90, 70, 45, 30)

_TEMPLATES = (
    "{t} {caption} 😂", "{t} lmao", "omg {t}", "{t} legend", "who's here for {t}",
    "{t} I screamed", "{t}!!!", "the part at {t} though", "{t} best moment",
    "{range} never gets old", "{korean} ㅋㅋㅋㅋ", "{korean} 레전드",
)
_NOISE = (
    "great video", "first!", "love this channel", "who's watching in 2026?",
    "the score was 2:1 at the end", "please upload in 16:9", "watching at 3:15 PM lol",
    "we start at 10:30am tomorrow", "오후 3:15에 보는 중", "subscribed", "so good",
    "the 12/05/2025 episode was better", "ratio 3:2 is underrated",
)


def _korean(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    if not minutes:
        return f"{secs}초"
    return f"{minutes}분 {secs}초" if secs else f"{minutes}분"


def _likes(rng: random.Random) -> str:
    value = int(rng.paretovariate(1.2) * 3)
    return f"{value / 1000:.1f}K" if value >= 1000 else str(value)


def demo_comment_records(seed: int = 7) -> list[dict]:
    """The comment dicts, as youtube-comment-downloader yields them."""
    rng = random.Random(seed)
    records: list[dict] = []
    counter = 0

    def add(text: str, author: str, parent: str | None = None) -> str:
        nonlocal counter
        counter += 1
        cid = f"Ugz{counter:05d}demo" if parent is None else f"{parent}.r{counter:05d}"
        records.append({
            "cid": cid, "text": text, "time": f"{rng.randint(1, 11)} months ago",
            "author": author, "channel": f"UC{counter:06d}", "votes": _likes(rng),
            "replies": "", "photo": "", "heart": rng.random() < 0.02, "reply": parent is not None,
        })
        return cid

    for event, count in zip(EVENTS, MENTIONS_PER_EVENT, strict=True):
        for _ in range(count):
            second = round(event.time + rng.gauss(1.0, 1.2))
            text = rng.choice(_TEMPLATES).format(
                t=format_seconds(second), caption=event.caption.lower(),
                range=f"{format_seconds(second)}-{format_seconds(second + 4)}",
                korean=_korean(second),
            )
            parent = add(text, f"@viewer{rng.randint(1, 5000)}")
            if rng.random() < 0.15:
                add(f"@{parent[-6:]} yes {format_seconds(second + 1)} killed me",
                    f"@viewer{rng.randint(1, 5000)}", parent)
    for _ in range(120):
        add(rng.choice(_NOISE), f"@viewer{rng.randint(1, 5000)}")
    for _ in range(12):  # one enthusiast repeating themselves: counts once by unique authors
        add("0:05 0:05 0:05", "@spammer")
    add("the best part is at 5:43", "@confused")  # beyond the 2-minute video
    rng.shuffle(records)
    return records


def write_demo_comments(path: Path, seed: int = 7) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in demo_comment_records(seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
