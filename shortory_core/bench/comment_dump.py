"""A million-comment video's dump → moments: the column reader and bulk scan against the
Python reader and character-level rules, in the same run, on the same file.

The dump is youtube-comment-downloader JSON lines (what a fetch of a popular video's comments
gives), made from ``comments.synthetic_comments``: about 60% of the comments name a time, in
the forms real viewers use. ``SHORTORY_BENCH_COMMENTS`` sets how many (2,000,000 by default).
Peak memory is measured in a child process per side, so one side's allocations do not hide
the other's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shortory_core.bench.comments import DURATION_S, synthetic_comments

DEFAULT_COMMENTS = 2_000_000
_SIDES = {
    "columns + bulk scan (today)": """
from shortory_core.sources.comment_columns import read_comment_columns
from shortory_core.signals.comment_moments import extract_mentions, find_moments
read = read_comment_columns(PATH)
moments = find_moments(extract_mentions(read.columns, DURATION), DURATION)
""",
    "python reader + rules (before)": """
from shortory_core.sources.comment_files import read_comment_file
from shortory_core.signals.timestamps import SEPARATOR, find_times, normalise
comments = read_comment_file(PATH).comments
refs = find_times(normalise(SEPARATOR.join(c.text for c in comments)))
""",
}


def write_dump(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for comment in synthetic_comments(count):
            out.write(json.dumps({"cid": comment.cid, "text": comment.text,
                                  "author": comment.author, "votes": str(comment.likes),
                                  "reply": False}, ensure_ascii=False) + "\n")
    return path


def _measure(code: str, path: Path) -> tuple[float, float]:
    """(seconds, peak MB) of ``code`` run in a fresh child process (imports not timed)."""
    script = (f"import resource, time\nfrom pathlib import Path\nPATH = Path({str(path)!r})\n"
              f"DURATION = {DURATION_S}\nimport shortory_core.signals.comment_moments\n"
              "import shortory_core.sources.comment_columns\nstarted = time.perf_counter()\n"
              f"{code}\nprint(time.perf_counter() - started, "
              "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    seconds, megabytes = done.stdout.split()
    return float(seconds), float(megabytes)


def run() -> str:
    count = int(os.environ.get("SHORTORY_BENCH_COMMENTS", DEFAULT_COMMENTS))
    with tempfile.TemporaryDirectory() as folder:
        made = time.perf_counter()
        dump = write_dump(Path(folder) / "dump.json", count)
        size = dump.stat().st_size / 1e6
        results = {name: _measure(code, dump) for name, code in _SIDES.items()}
    lines = [f"== comment dump → moments ({count:,} comments, {size:.0f} MB, written in "
             f"{time.perf_counter() - made:.0f} s; time after imports, peak memory)"]
    for name, (seconds, megabytes) in results.items():
        lines.append(f"  {name:<44} {seconds:8.2f} s  {megabytes:7.0f} MB")
    today, before = results["columns + bulk scan (today)"], results[
        "python reader + rules (before)"]
    lines.append(f"  speed-up: {before[0] / today[0]:.1f}x; memory: {before[1] / today[1]:.1f}x "
                 "less")
    verdict = "meets" if today[0] <= 5 and today[1] <= 1024 else "MISSES"
    lines.append(f"  target: ≤ 5 s and ≤ 1 GB → {today[0]:.1f} s, {today[1]:.0f} MB ({verdict})")
    return "\n".join(lines)
