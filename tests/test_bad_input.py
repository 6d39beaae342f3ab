"""The bad-input corpus: every case ends in a clean success or in exit status 2 with one line
that says what to do. Never a traceback, a hang, a half-made project or a file left outside
the data folder.

Inputs are generated here (nothing large is committed). Each case runs through the CLI's
``main`` in this process (the same function ``python -m shortory_core`` calls; a few run as
real subprocesses too), and, where a page takes that input, through AppTest.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core import cli
from shortory_core.demo.video import write_demo_video
from shortory_core.exports import csv_bytes
from shortory_core.store import Store
from shortory_core.untrusted import for_markdown, for_terminal

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    started = time.monotonic()
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse refusals
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, time.monotonic() - started)


def assert_refused(outcome: Outcome, says: str = "") -> None:
    lines = outcome.err.strip().splitlines()
    assert outcome.code == 2, outcome
    assert len(lines) == 1 and lines[0].startswith("error: "), outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    assert says.lower() in lines[0].lower(), lines[0]


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def assert_nothing_left(home: Path) -> None:
    """No project, no media, no staging leftover, no upload in the data folder."""
    if not (home / "shortory.sqlite3").exists():
        return
    assert Store(home).list_projects() == []
    for folder in ("media", "staging", "uploads"):
        assert not files_under(home / folder), folder


# -- the inputs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real and broken media and comment files, made once for the whole corpus."""
    folder = tmp_path_factory.mktemp("bad-inputs")
    rng = random.Random(7)
    video = write_demo_video(folder / "good.mp4", duration=2.0)
    files = {"video": video, "folder": folder}
    files["corrupt.mp4"] = folder / "corrupt.mp4"
    files["corrupt.mp4"].write_bytes(video.read_bytes()[:3000] + bytes(rng.randrange(256)
                                                                         for _ in range(5000)))
    files["text.mp4"] = folder / "text.mp4"
    files["text.mp4"].write_text("this is not a video\n" * 100)
    files["empty.mp4"] = folder / "empty.mp4"
    files["empty.mp4"].write_bytes(b"")
    tiny = folder / "tiny.mp4"
    subprocess.run([cli_ffmpeg(), "-v", "error", "-f", "lavfi", "-i",
                    "color=red:s=1x1:d=1:r=5", "-c:v", "mpeg4", "-y", str(tiny)], check=True)
    files["tiny.mp4"] = tiny
    comment_files = {
        "likes-inf.jsonl": b'{"cid":"a","text":"0:01 x","votes":1e999}\n'
                           b'{"cid":"b","text":"0:02"}\n',
        "likes-2e70.jsonl": b'{"cid":"a","text":"0:01 x","votes":%d}\n' % 2**70,
        "likes-digits.jsonl": b'{"cid":"a","text":"0:01 x","votes":"%s"}\n' % (b"9" * 5000),
        "likes-number.jsonl": b'{"cid":"a","text":"0:01 x","votes":%s}\n' % (b"9" * 5000),
        "likes-csv.csv": b"text,likes\n0:01 a,%s\n0:02 b,1e999\n0:03 c,-5\n" % (b"9" * 5000),
        "api-likes.json": json.dumps({"items": [{"snippet": {"topLevelComment": {
            "id": "x", "snippet": {"textOriginal": "0:01", "likeCount": 2**80}}}}]}).encode(),
        "nested-line.jsonl": b'{"cid":"a","text":"0:01"}\n' + b'{"a":' * 50_000 + b"1"
                             + b"}" * 50_000 + b"\n",
        "nested.json": b"[" * 100_000 + b"]" * 100_000,
        "binary-no-nul.csv": bytes(rng.randrange(0x20, 0x100) for _ in range(100_000)),
        "binary.json": bytes(rng.randrange(256) for _ in range(50_000)),
        "cp949.csv": "text\n안녕하세요 1:02 재밌다\n".encode("cp949") * 50,
        "empty.csv": b"",
        "blank.json": b"   \n\n  ",
        "no-text-column.csv": b"a,b\n1,2\n",
        "not-objects.jsonl": b"[1]\n[2]\n3\n",
        "formula.csv": b'text,author\n"=HYPERLINK(""http://x"",""0:05"")",=cmd\n0:06 ok,+bob\n',
        "escape.jsonl": b'{"cid":"e","text":"0:07 \\u001b]0;pwned\\u0007 \\u001b[2J",'
                        b'"author":"\\u001b[31mred"}\n',
    }
    for name, data in comment_files.items():
        (folder / name).write_bytes(data)
        files[name] = folder / name
    return files


def cli_ffmpeg() -> str:
    from shortory_core.clips.render import ffmpeg_exe

    return ffmpeg_exe()


# -- values ------------------------------------------------------------------------------

VALUE_CASES = [
    (["analyze", "{video}", "--fps", "inf"], "--fps"),
    (["analyze", "{video}", "--fps", "nan"], "--fps"),
    (["analyze", "{video}", "--fps", "0"], "--fps"),
    (["analyze", "{video}", "--fps", "-3"], "--fps"),
    (["analyze", "{video}", "--fps", "1e9"], "--fps"),
    (["analyze", "{video}", "--workers", "0"], "--workers"),
    (["analyze", "{video}", "--workers", "16000"], "cores"),
    (["analyze", "{video}", "--workers", "two"], "--workers"),
    (["analyze", "{video}", "--offset", "nan"], "--offset"),
    (["analyze", "{video}", "--offset", "-inf"], "--offset"),
    (["analyze", "{video}", "--smooth", "-1"], "--smooth"),
    (["analyze", "{video}", "--out", "{tmp}/x.txt"], ".csv or .parquet"),
    (["analyze", "{video}", "--out", "{tmp}/missing/x.csv"], "does not exist"),
    (["analyze", "{video}", "--out", "{tmp}"], ".csv or .parquet"),
    (["analyze", "{tmp}/none.mp4"], "no reaction video"),
    (["analyze", "{corrupt.mp4}"], "not a readable video"),
    (["analyze", "{text.mp4}"], "not a readable video"),
    (["analyze", "{empty.mp4}"], "not a readable video"),
    (["highlights", "1", "--step", "0"], "--step"),
    (["highlights", "1", "--step", "-1"], "--step"),
    (["highlights", "1", "--step", "nan"], "--step"),
    (["highlights", "1", "--step", "0.0001"], "--step"),
    (["highlights", "1", "--smoothing", "nan"], "--smoothing"),
    (["highlights", "1", "--smoothing", "1e12"], "--smoothing"),
    (["highlights", "1", "--prominence", "2"], "--prominence"),
    (["highlights", "1", "--min-gap", "-1"], "--min-gap"),
    (["highlights", "1", "--top", "0"], "--top"),
    (["highlights", "1", "--pad", "inf"], "--pad"),
    (["highlights", "0"], "no project 0"),
    (["highlights", "-1"], "no project named '-1'"),
    (["highlights", "abc"], "no project named 'abc'"),
    (["highlights", "999"], "no project 999"),
    (["moments", "{likes-inf.jsonl}", "--window", "nan"], "--window"),
    (["moments", "{likes-inf.jsonl}", "--window", "inf"], "--window"),
    (["moments", "{likes-inf.jsonl}", "--window", "0"], "--window"),
    (["moments", "{likes-inf.jsonl}", "--pad", "-50"], "--pad"),
    (["moments", "{likes-inf.jsonl}", "--pad", "nan", "--json"], "--pad"),
    (["moments", "{likes-inf.jsonl}", "--top", "0"], "--top"),
    (["moments", "{likes-inf.jsonl}", "--duration", "nan"], "--duration"),
    (["moments", "{likes-inf.jsonl}", "--duration", "-5"], "--duration"),
    (["moments", "{tmp}/none.csv"], "no comment file"),
    (["moments", "{tmp}"], "that is a folder"),
    (["render", "{video}", "--span", "0", "0.0001"], "shorter than one frame"),
    (["render", "{video}", "--span", "1.5", "1.0"], "start < end"),
    (["render", "{video}", "--span", "1", "2.5"], "not inside the video"),
    (["render", "{video}", "--span", "nan", "1"], "--span"),
    (["render", "{video}", "--span", "0", "inf"], "--span"),
    (["render", "{video}", "--span", "5", "9"], "not inside the video"),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/clip.txt"], ".mp4"),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/missing/c.mp4"],
     "does not exist"),
    (["render", "{tiny.mp4}", "--span", "0", "0.5"], "only 1×1 px"),
    (["render", "{corrupt.mp4}", "--span", "0", "1"], "not a readable video"),
    (["import", "{tmp}/none.mp4"], "no video file"),
    (["import", "{folder}"], "that is a folder"),
    (["import", "{corrupt.mp4}"], "not a readable video"),
    (["import", "{video}", "--comments", "{tmp}/none.json"], "no comment file"),
    (["jobs", "--retry", "0"], "an id"),
    (["jobs", "--retry", "x"], "an id"),
    (["jobs", "--retry", "99999"], "cannot be retried"),
    (["jobs", "--cancel", "99999"], "no job 99999"),
    (["jobs", "--limit", "0"], "--limit"),
    (["fetch", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "--limit", "-5"], "--limit"),
    (["no-such-command"], "invalid choice"),
    (["render", "{video}"], "--span"),
]


@pytest.mark.parametrize("argv, says", VALUE_CASES, ids=[" ".join(a) for a, _ in VALUE_CASES])
def test_bad_values_are_refused_before_any_work(argv: list[str], says: str,
                                                inputs: dict[str, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    names = {k: str(v) for k, v in inputs.items()} | {"tmp": str(tmp_path)}
    argv = [re.sub(r"\{([^}]+)\}", lambda m: names[m.group(1)], a) for a in argv]
    monkeypatch.chdir(tmp_path)
    before = files_under(inputs["folder"]) | files_under(tmp_path)
    outcome = run(["--data-dir", str(home), *argv], capsys)
    assert_refused(outcome, says)
    assert outcome.seconds < 20  # refused up front, not after an analysis
    assert files_under(inputs["folder"]) | (files_under(tmp_path) - files_under(home)) \
        <= before
    assert_nothing_left(home)


# -- hostile comment files -----------------------------------------------------------------

IMPORTED = {  # file: (comments kept, like counts clamped)
    "likes-inf.jsonl": (2, 1), "likes-2e70.jsonl": (1, 1), "likes-digits.jsonl": (1, 1),
    "likes-number.jsonl": (1, 1), "likes-csv.csv": (3, 1), "api-likes.json": (1, 1),
    "nested-line.jsonl": (1, 0), "formula.csv": (2, 0), "escape.jsonl": (1, 0),
}
REFUSED = {
    "nested.json": "nested too deeply", "binary-no-nul.csv": "not utf-8 or utf-16 text",
    "binary.json": "not utf-8", "cp949.csv": "legacy encoding", "empty.csv": "is empty",
    "blank.json": "is empty", "no-text-column.csv": "no text column",
    "not-objects.jsonl": "no usable comment",
}


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_hostile_comment_files_import_what_they_can_and_count_the_rest(
        name: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run(["--data-dir", str(tmp_path / "home"), "import", str(inputs["video"]),
                   "--comments", str(inputs[name]), "--json"], capsys)
    assert outcome.code == 0, outcome.err
    result = json.loads(outcome.out)
    kept, clamped = IMPORTED[name]
    assert result["comments"] == kept
    assert result["comment_import"]["clamped_likes"] == clamped
    assert "\x1b" not in outcome.out and "\x07" not in outcome.out


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unusable_comment_files_refuse_the_import_and_leave_nothing(
        name: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    outcome = run(["--data-dir", str(home), "import", str(inputs["video"]), "--comments",
                   str(inputs[name])], capsys)
    assert_refused(outcome, REFUSED[name])
    assert_nothing_left(home)
    moments = run(["moments", str(inputs[name])], capsys)
    assert_refused(moments, REFUSED[name])


# -- URLs ----------------------------------------------------------------------------------

URL_CASES = [
    ("http://" + "a" * 300 + ".com/v", "too long"), ("http://example.com:99999/", "port"),
    ("http://[::1/", "ipv6"), ("file:///etc/passwd", "not a web address"),
    ("http://127.0.0.1:8501/", "loopback"), ("http://169.254.169.254/latest/", "link-local"),
    ("http://localhost/", "local name"), ("http://10.0.0.1/", "private"),
    ("javascript:alert(1)", "not a web address"), ("ftp://example.com/a.mp4", "not a web"),
    ("http://u:p@example.com/", "password"), ("", "not a web address"),
    ("http://exa\x1b[2Jmple.com/", "control characters"),
]


@pytest.mark.parametrize("url, says", URL_CASES, ids=[u[:40] for u, _ in URL_CASES])
def test_hostile_urls_are_refused_at_the_cli_and_on_the_home_page(
        url: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHORTORY_ALLOW_LOCAL_URLS", raising=False)
    home = tmp_path / "home"
    outcome = run(["--data-dir", str(home), "fetch", url], capsys)
    assert_refused(outcome, says)
    assert "\x1b" not in outcome.err
    assert_nothing_left(home)

    monkeypatch.setenv("SHORTORY_HOME", str(home))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/home.py"), default_timeout=30).run()
    app.text_input[0].set_value(url)
    app.button[0].click().run()  # the form's "Download"
    assert not app.exception
    assert any(says in e.value.lower().replace("\\", "") for e in app.error), \
        [e.value for e in app.error]
    assert Store(home).list_projects() == []


# -- untrusted text --------------------------------------------------------------------------


def test_spreadsheet_exports_never_run_formulas() -> None:
    import csv
    import io

    import pandas as pd

    cells = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "fine",
             "3:05 ok"]
    frame = pd.DataFrame({"top_comment": cells, "n": range(8)})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))[1:]
    assert [row[0] for row in rows] == ["'" + c for c in cells[:6]] + cells[6:]
    assert [row[1] for row in rows] == [str(n) for n in range(8)]  # numbers stay numbers


def test_markdown_and_terminal_text_are_inert() -> None:
    assert "\x1b" not in for_terminal("a\x1b[31mb\x07c\x9bd") and for_terminal("a\tb") == "a\tb"
    shown = for_markdown("![x](http://h/p.png) <img src=x> **b** :red[r] $x$ www.h.com")
    assert re.search(r"(?<!\\)[\[\]()*$<>:!_`#]", shown) is None, shown
    assert "://" not in shown and "www." not in shown


def test_the_real_cli_refuses_in_one_line(tmp_path: Path) -> None:
    for argv in (["highlights", "1", "--step", "nan"], ["moments", str(tmp_path)],
                 ["render", str(tmp_path / "v.mp4"), "--span", "0", "1", "--out=-x.mp4"]):
        done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir",
                               str(tmp_path / "home"), *argv], capture_output=True, text=True,
                              cwd=ROOT, timeout=120, env=os.environ | {"PYTHONWARNINGS": ""})
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr


def test_an_output_named_like_an_option_is_a_file(inputs: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = run(["render", str(inputs["video"]), "--span", "0", "1", "--out=-x.mp4",
                   "--copy"], capsys)
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "-x.mp4").stat().st_size > 1000


@pytest.mark.parametrize("name", sorted(IMPORTED | REFUSED))
def test_hostile_comment_files_through_the_project_pages_import(
        name: str, inputs: dict[str, Path], store: Store) -> None:
    """The project page's "Import more comments" runs a ``comments`` job on the upload: a
    usable file adds what it can, an unusable one fails with its reason and adds nothing."""
    from tests.conftest import run_job

    project_id = store.create_project("p")
    job = run_job(store, "comments", {"project_id": project_id, "file": str(inputs[name]),
                                      "name": name}, project_id=project_id)
    if name in IMPORTED:
        assert job.status == "done", job.error
        assert store.comment_count(project_id) == IMPORTED[name][0]
        assert job.result["comment_import"]["clamped_likes"] == IMPORTED[name][1]
    else:
        assert job.status == "failed" and REFUSED[name] in job.error.lower()
        assert len(job.error.splitlines()) == 1 and "Traceback" not in job.error
        assert store.comment_count(project_id) == 0 and store.comment_imports(project_id) == []


@pytest.mark.parametrize("typed", ["nan", "inf", "-5", "1e999", "1:99", "1:2:3:4", "", "abc",
                                   "1:nan"])
def test_the_watch_pages_go_to_box_refuses_what_is_not_a_time(typed: str) -> None:
    from shortory_core.timefmt import format_seconds, parse_seconds

    with pytest.raises(ValueError, match="is not a time"):
        parse_seconds(typed)
    assert format_seconds(float("nan")) == "–" and format_seconds(65.2) == "1:05"


def test_viewer_and_group_names_are_text_in_the_panels_charts() -> None:
    import pandas as pd

    from shortory_core.charts.panel import heatmap_figure
    from shortory_core.untrusted import for_plotly

    hostile = '<a href="http://x">click</a> %{y}'
    frame = pd.DataFrame([[0.1, 0.2]], index=[hostile], columns=[0.5, 1.5])
    label = heatmap_figure(frame, "happy").data[0].y[0]
    assert "<a" not in label and "%{" not in label and "click" in label
    assert for_plotly("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


# -- names and outputs (render/outputs) ------------------------------------------------------
# A name that is not UTF-8 or is longer than Linux allows, and an output that would overwrite
# the input or an existing file: each a refusal naming the file, before any work.

BAD_UTF8 = os.fsdecode(b"bad\xff\xfe.mp4")  # as Python receives it in argv
LONG = "a" * 252 + ".mp4"  # 256 bytes: one more than a file name may have

SHOWN_BAD = "bad\\xff\\xfe.mp4"  # how a refusal shows that name
NAME_CASES = [  # argv, what the refusal says, the file it names
    (["import", "{tmp}/" + BAD_UTF8], "not valid utf-8", SHOWN_BAD),
    (["import", "{video}", "--comments", "{tmp}/" + BAD_UTF8], "not valid utf-8", SHOWN_BAD),
    (["render", "{tmp}/" + BAD_UTF8, "--span", "0", "1"], "not valid utf-8", SHOWN_BAD),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/" + BAD_UTF8],
     "not valid utf-8", SHOWN_BAD),
    (["analyze", "{tmp}/" + BAD_UTF8], "not valid utf-8", SHOWN_BAD),
    (["import", "{tmp}/" + LONG], "at most 255 bytes", LONG),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/" + LONG], "at most 255 bytes",
     LONG),
    (["render", "{tmp}/" + LONG, "--span", "0", "1"], "at most 255 bytes", LONG),
    (["analyze", "{video}", "--out", "{tmp}/" + "a" * 252 + ".csv"], "at most 255 bytes",
     "a" * 252 + ".csv"),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/" + "d" * 4000 + "/c.mp4"],
     "at most 255 bytes", "d" * 4000 + "/c.mp4"),
    (["render", "{tmp}/v.mp4", "--span", "0", "1", "--out", "{tmp}/v.mp4"],
     "is the video it reads", "/v.mp4"),
    (["render", "{tmp}/v.mp4", "--span", "0", "1", "--out", "{tmp}/v.mp4", "--copy",
      "--force"], "is the video it reads", "/v.mp4"),
    (["render", "{video}", "--span", "0", "1", "--out", "{tmp}/v.mp4"], "--force", "/v.mp4"),
    (["analyze", "{tmp}/v.mp4", "--out", "{tmp}/t.csv"], "--force", "/t.csv"),
    (["render", "{video}", "--span", "0", "1", "--out", "{home}/media/c.mp4"], "data folder",
     "/media/c.mp4"),
]


@pytest.mark.parametrize("argv, says, named", NAME_CASES,
                         ids=[" ".join(a)[:60] for a, _, _ in NAME_CASES])
def test_bad_names_and_outputs_are_refused_naming_the_file(
        argv: list[str], says: str, named: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    (home / "media").mkdir(parents=True)
    for name in (BAD_UTF8, "v.mp4"):  # real videos under awkward or reused names
        (tmp_path / name).write_bytes(inputs["video"].read_bytes())
    (tmp_path / "t.csv").write_text("mine\n")
    names = {k: str(v) for k, v in inputs.items()} | {"tmp": str(tmp_path), "home": str(home)}
    argv = [re.sub(r"\{([^}]+)\}", lambda m: names[m.group(1)], a) for a in argv]
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    outcome = run(["--data-dir", str(home), *argv], capsys)
    assert_refused(outcome, says)
    assert named in outcome.err
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert_nothing_left(home)


def test_the_real_cli_refuses_a_name_that_is_not_utf8(inputs: dict[str, Path],
                                                      tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/bad\xff\xfe.mp4"
    Path(os.fsdecode(bad)).write_bytes(inputs["video"].read_bytes())
    for argv in ([b"import", bad], [b"render", bad, b"--span", b"0", b"1"]):
        done = subprocess.run([sys.executable.encode(), b"-m", b"shortory_core", b"--data-dir",
                               os.fsencode(tmp_path / "home"), *argv], capture_output=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            b"error: " + bad.replace(b"\xff\xfe", b"\\xff\\xfe")
            + b" (" + (b"video file" if argv[0] == b"import" else b"video")
            + b"): the name is not valid UTF-8; rename the file."]


# -- refusals of issue 21: data folders, model cards, images, names, ids -------------------
# (one block; render cases live elsewhere in this file)

CARD = json.loads((ROOT / "models/emotion_fer_mini_xception.json").read_text())


def write_card(folder: Path, model: bytes | None = None, **changes: object) -> Path:
    """A copy of the mini-Xception card in ``folder`` with ``changes``, its model beside it
    (``model`` bytes instead of the real one)."""
    folder.mkdir(parents=True, exist_ok=True)
    onnx = folder / "model.onnx"
    onnx.write_bytes(model if model is not None else
                     (ROOT / "models" / CARD["file"]).read_bytes())
    card = folder / "card.json"
    card.write_text(json.dumps(CARD | {"file": onnx.name} | changes))
    return card


def huge_png(path: Path, side: int = 20_000) -> Path:
    """A grey PNG that declares ``side``×``side`` pixels in a few hundred KB (the zeros are
    compressed row block by row block, never held whole)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    packer, row, parts = zlib.compressobj(9), b"\0" * (side + 1), []
    for _ in range(side // 1000):
        parts.append(packer.compress(row * 1000))
    parts.append(packer.flush())
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def refusal_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("refusals")
    (folder / "a-file").write_text("a file where a folder should be")
    faces = folder / "faces"
    for emotion in ("happy", "neutral"):
        (faces / emotion).mkdir(parents=True)
    huge_png(faces / "happy" / "huge.png")
    huge_png(faces / "neutral" / "huge.png")
    rng = random.Random(21)
    return {
        "a-file": folder / "a-file", "faces": faces, "video": write_demo_video(
            folder / "v.mp4", duration=2.0),
        "empty-model": write_card(folder / "empty", b""),
        "junk-model": write_card(folder / "junk", bytes(rng.randrange(256)
                                                        for _ in range(4096))),
        "escaping-card": write_card(folder / "escape", file="../" * 40 + "etc/passwd"),
        "zero-size": write_card(folder / "zero", input_size=[0, 0]),
        "huge-size": write_card(folder / "huge", input_size=[100_000, 100_000]),
        "two-labels": write_card(folder / "two", labels=["happy", "sad"],
                                 product_mapping={"happy": "happy", "sad": "sad"}),
        "wrong-input": write_card(folder / "input", input_size=[48, 48]),
        "nan-manifest": written(folder / "nan.json", '[{"project": "P", "recording": '
                                '"a.mp4", "offset": NaN}]'),
        "deep-manifest": written(folder / "deep.json", "[" * 100_000 + "]" * 100_000),
        "no-comments-manifest": written(folder / "nc.csv", "project,video,comments\n"
                                        f"P,{folder}/v.mp4,{folder}/none.json\n"),
        "ftp-manifest": written(folder / "ftp.csv",
                                "project,recording\nP,ftp://127.0.0.1:1/x.mp4\n"),
    }


def written(path: Path, content: str) -> Path:
    path.write_text(content)
    return path


BIG = str(10**23)
REFUSAL_CASES = [
    (["--data-dir", "{a-file}", "projects"], "is a file, not a folder"),
    (["--data-dir", "{a-file}/data", "jobs"], "is a file, not a folder"),
    (["evaluate", "{faces}", "--card", "{empty-model}"], "model.onnx, which is empty"),
    (["evaluate", "{faces}", "--card", "{junk-model}"], "not an onnx model"),
    (["evaluate", "{faces}", "--card", "{escaping-card}"], "outside models/"),
    (["evaluate", "{faces}", "--card", "{zero-size}"], "input_size [0, 0]"),
    (["evaluate", "{faces}", "--card", "{huge-size}"], "input_size [100000, 100000]"),
    (["evaluate", "{faces}", "--card", "{two-labels}"], "2 labels, but model.onnx gives 7"),
    (["evaluate", "{faces}", "--card", "{wrong-input}"], "takes"),
    (["profile", "create", "Ada", "{faces}", "--card", "{empty-model}"], "is empty"),
    (["profile", "create", "Ada", "{faces}"], "larger than 40 megapixels"),
    (["evaluate", "{faces}"], "larger than 40 megapixels"),
    (["highlights", BIG], f"no project {BIG}"), (["panel", BIG], f"no project {BIG}"),
    (["react", BIG, "{video}", "--viewer", "x"], f"no project {BIG}"),
    (["jobs", "--cancel", BIG], "an id"), (["jobs", "--retry", BIG], "an id"),
    (["import", "{video}", "--name", "a\nb\x1b[2J"], "control character"),
    (["import", "{video}", "--name", "x" * 121], "at most 120"),
    (["import", "{video}", "--name", "ok\u202eevil"], "control character"),
    (["react", "1", "{video}", "--viewer", "Bo\x1b]0;t\x07"], "control character"),
    (["profile", "create", " \u3000 ", "{faces}"], "cannot be empty"),
    (["profile", "delete", "Ada\x00"], "control character"),
    (["batch", "{nan-manifest}"], "NaN is not a value a manifest may hold"),
    (["batch", "{deep-manifest}"], "nested too deeply to be a manifest"),
    (["batch", "{deep-manifest}", "--media-url", "https://cdn.example/media"],
     "an object storage URL"),
    (["batch", "{deep-manifest}", "--media-url", "media"], "an absolute path"),
]
# A manifest whose rows are each refused: the batch says why per row and exits 3.
ROW_REFUSALS = [
    ("{no-comments-manifest}", "no comment file at"),
    ("{ftp-manifest}", "ftp:// recordings are not read"),
]


@pytest.mark.parametrize("argv, says", REFUSAL_CASES,
                         ids=[" ".join(a)[:60] for a, _ in REFUSAL_CASES])
def test_user_errors_are_refusals_not_bugs(argv: list[str], says: str,
                                           refusal_inputs: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    names = {k: str(v) for k, v in refusal_inputs.items()}
    argv = [re.sub(r"\{([^}]+)\}", lambda m: names[m.group(1)], a) for a in argv]
    home = tmp_path / "home"
    outcome = run(argv if argv[0] == "--data-dir" else ["--data-dir", str(home), *argv],
                  capsys)
    assert_refused(outcome, says)
    assert "\x1b" not in outcome.err and "bug" not in outcome.err
    assert_nothing_left(home)


@pytest.mark.parametrize("manifest, says", ROW_REFUSALS, ids=[m for m, _ in ROW_REFUSALS])
def test_a_manifest_row_that_cannot_work_is_refused_before_anything_is_made(
        manifest: str, says: str, refusal_inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    path = refusal_inputs[manifest.strip("{}")]
    outcome = run(["--data-dir", str(home), "batch", str(path), "--json"], capsys)
    assert outcome.code == 3, outcome.err
    [step] = [s for s in json.loads(outcome.out)["steps"] if s["step"] == "manifest"]
    assert says in step["detail"]
    assert not Store(home).jobs.listing(kinds=("import", "analyse", "comments"))
    assert_nothing_left(home)


@pytest.mark.parametrize("card", ["empty-model", "two-labels", "escaping-card"])
def test_a_bad_card_chosen_by_environment_is_refused_by_name(
        card: str, refusal_inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_EMOTION_MODEL", str(refusal_inputs[card]))
    outcome = run(["--data-dir", str(tmp_path / "home"), "evaluate",
                   str(refusal_inputs["faces"])], capsys)
    assert_refused(outcome, "model card card.json")


def test_a_huge_image_is_refused_from_its_header(refusal_inputs: dict[str, Path]) -> None:
    import resource

    from shortory_core.vision.images import ImageRefused, read_rgb

    image = refusal_inputs["faces"] / "happy" / "huge.png"
    assert image.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImageRefused, match="larger than 40 megapixels"):
        read_rgb(image)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KB


def test_a_huge_project_id_in_the_address_opens_no_project(demo_copy: Path) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["project"] = BIG
    app.switch_page("pages/project.py").run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        f"There is no project {BIG} here: it was deleted, or the link is wrong."]
