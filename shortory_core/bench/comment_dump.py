"""A popular video's comment dump: moments, import and the crowd page's read, each today
against another way, in the same run, on the same file.

The dump is youtube-comment-downloader JSON lines (what a fetch of a popular video's comments
gives) made by ``comments.dump_lines`` from the fixture export's real comments, at a real
export's length (2,000,000 comments make about 707 MB); 60% of them name a time.
``SHORTORY_BENCH_COMMENTS`` sets how many (2,000,000 by default). Peak memory is measured in a
child process per side, so one side's allocations do not hide the other's. The other ways:
for moments, the dump read whole into columns and scanned at once; for the import, the
comments inserted as rows of SQLite's ``comments`` table while the dump is read (the store
before comments were Parquet files); for the page, every comment read again and scanned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shortory_core.bench.comments import DURATION_S, dump_lines

DEFAULT_COMMENTS = 2_000_000
# (name, code) in run order: the two page sides read the project the first import made.
_SIDES = [
    ("moments: read and scanned in chunks (today)", """
from shortory_core.signals.chapters import votes
from shortory_core.signals.comment_moments import find_moments
from shortory_core.signals.dump_mentions import dump_mentions
moments = find_moments(votes(dump_mentions(PATH, duration=DURATION).mentions), DURATION)
"""),
    ("moments: whole dump as columns, one scan (before)", """
from shortory_core.signals.chapters import votes
from shortory_core.signals.comment_moments import extract_mentions, find_moments
from shortory_core.sources.comment_columns import read_comment_columns
mentions = extract_mentions(read_comment_columns(PATH).columns, DURATION)
moments = find_moments(votes(mentions), DURATION)
"""),
    ("import: read in chunks, written to Parquet (today)", """
from shortory_core.projects import add_comment_file
from shortory_core.records import ProjectDraft
from shortory_core.store import Store
store = Store(HOME)
draft = ProjectDraft("bench", STAGING)
add_comment_file(draft, PATH, PATH.name)
store.commit_project(draft)
"""),
    ("import: comments inserted as SQLite rows (before)", """
from shortory_core.projects import dump_reader
from shortory_core.store import Store
from shortory_core.store.comment_stream import write_while_reading

class Rows:  # the last release's store: each comment one row of the comments table
    def __init__(self, conn):
        self.conn, self.added = conn, 0
    def add(self, comments):
        before = self.conn.total_changes
        self.conn.executemany("INSERT OR IGNORE INTO comments (project_id, cid, text, author, "
                              "likes, is_reply, parent_cid, published, import_id) VALUES "
                              "(1, ?, ?, ?, ?, ?, ?, ?, 1)", comments.rows())
        self.added += self.conn.total_changes - before
    def restart(self):
        self.conn.execute("DELETE FROM comments WHERE import_id = 1")
        self.added = 0
    def finish(self):  # its most-liked index, dropped for the inserts, built again
        self.conn.execute("CREATE INDEX comments_by_likes ON comments(project_id, likes DESC)")
        return self.added

with Store(BEFORE_HOME).transaction() as conn:
    conn.execute("INSERT INTO projects (name, created_at) VALUES ('bench', 0)")
    conn.execute("INSERT INTO comment_imports (project_id, created_at, report) VALUES (1, 0, '{}')")
    conn.execute("DROP INDEX comments_by_likes")
    write_while_reading(dump_reader(PATH, PATH.name, None, None), Rows(conn))
"""),
    ("page: stored references → moments (today)", """
from shortory_core.signals.comment_moments import find_moments
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.store import Store
moments = find_moments(project_mentions(Store(HOME), 1, DURATION), DURATION)
"""),
    ("page: all comments re-read → moments (no stored references)", """
from shortory_core.signals.comment_moments import extract_mentions, find_moments
from shortory_core.store import Store
mentions = extract_mentions(Store(HOME).comment_columns(1), DURATION)
moments = find_moments(mentions, DURATION)
"""),
]


def write_dump(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(dump_lines(count))
    return path


def _measure(code: str, folder: Path) -> tuple[float, float]:
    """(seconds, peak MB) of ``code`` run in a fresh child process (imports not timed)."""
    script = (f"import resource, time\nfrom pathlib import Path\n"
              f"PATH = Path({str(folder / 'dump.json')!r})\n"
              f"HOME, BEFORE_HOME = Path({str(folder / 'home')!r}), "
              f"Path({str(folder / 'before')!r})\n"
              f"STAGING = HOME / 'staging' / 'bench'\nSTAGING.mkdir(parents=True, exist_ok=True)\n"
              f"DURATION = {DURATION_S}\nimport shortory_core.signals.comment_moments\n"
              "import shortory_core.sources.comment_columns\nimport shortory_core.store\n"
              "import shortory_core.projects\nimport shortory_core.signals.dump_mentions\n"
              "started = time.perf_counter()\n"
              f"{code}\nprint(time.perf_counter() - started, "
              "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    seconds, megabytes = done.stdout.split()
    return float(seconds), float(megabytes)


def run() -> str:
    count = int(os.environ.get("SHORTORY_BENCH_COMMENTS", DEFAULT_COMMENTS))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        made = time.perf_counter()
        size = write_dump(folder / "dump.json", count).stat().st_size / 1e6
        results = {side: _measure(code, folder) for side, code in _SIDES}
    lines = [f"== comment dump → moments ({count:,} comments, {size:.0f} MB, written in "
             f"{time.perf_counter() - made:.0f} s; time after imports, peak memory)"]
    for side, (seconds, megabytes) in results.items():
        lines.append(f"  {side:<62} {seconds:8.2f} s  {megabytes:7.0f} MB")
    names = [side for side, _ in _SIDES]
    for today, before in zip(names[::2], names[1::2], strict=True):
        (t, tm), (b, bm) = results[today], results[before]
        lines.append(f"  {today.split(':')[0]}: {b / t:.1f}x faster, {bm / tm:.1f}x less memory")
    seconds, megabytes = results[names[0]]
    verdict = "meets" if seconds <= 5 and megabytes <= 1024 else "MISSES"
    lines.append(f"  target (moments): ≤ 5 s and ≤ 1 GB → {seconds:.1f} s, {megabytes:.0f} MB "
                 f"({verdict})")
    seconds = results[names[2]][0]
    verdict = "meets" if seconds <= 15 else "MISSES"
    lines.append(f"  target (import): ≤ 15 s → {seconds:.1f} s ({verdict})")
    return "\n".join(lines)
