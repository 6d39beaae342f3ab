"""The whole shorts pipeline as a user takes it, on real media: a project of the talk video
(real speech) with comments pointing at one moment, the ``shorts`` command making a captioned
9:16 short at the platform's size, the editor export of it, the studio's own path through the
job service, and every bad input that must still give a short whose captions say why.

Every command runs as a real subprocess with a timeout: a hang fails the test instead of
stalling the run. The speech model is the one the requirements install (joined once into this
module's data folder); the model hub is never asked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import get_args

import opentimelineio as otio
import pytest

from shortory_core.clips.edges import Kind
from shortory_core.clips.library import SCORE_PARTS, clips_table
from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg
from shortory_core.clips.spec import SNAP_TOLERANCE_S, ShortSpec
from shortory_core.highlights.peaks import peak_at
from shortory_core.highlights.score import Scorer, viewer_faces
from shortory_core.highlights.shorts import MAX_SHORT_S, ShortOptions, plan_shorts, render_shorts
from shortory_core.highlights.timeline import build_timeline
from shortory_core.kinds import job_service
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.stored_mentions import project_mentions
from shortory_core.sources.video_file import probe_video
from shortory_core.speech.model import MODEL_ENV, model_source
from shortory_core.speech.words import Word
from shortory_core.store import Store
from tests.conftest import FACE_CLIPS, SPEECH, TALK_CUT_S, run_job
from tests.test_edges import below_speech_db, spoken_at
from tests.test_subtitles import read_srt, read_vtt
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT_S = 300  # far beyond a normal run: reaching it means the command hung
MOMENT_S = 10.0  # where the comments point
CAP_S = 15.0  # the shorts' length cap: short spans keep the module fast
FPS = 25  # the talk video's frame rate
# A box picked over the talk's hard cut, in English only: with the margins the words are heard
# with, it ends before the German begins (31.1 s), since a span heard in two languages loses
# one of them
BOX = (TALK_CUT_S - 1.0, TALK_CUT_S + 4.5)
WHISPER_EARLY_S = 0.4  # how early Whisper may start a word that follows a pause (DESIGN.md §10)
COMMENTS = [  # four people pointing at the same moment, one of them twice
    {"cid": "c1", "text": "0:10 this is the part that matters", "author": "ana", "votes": 12},
    {"cid": "c2", "text": "0:09 wait, any person can just take it?", "author": "ben", "votes": 4},
    {"cid": "c3", "text": "0:11 <b>to deal in the software</b> 😂", "author": "chloé", "votes": 7},
    {"cid": "c4", "text": "0:10 and 0:11, read it twice", "author": "dev", "votes": 1},
]


@pytest.fixture(scope="module", autouse=True)
def speech_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module and its subprocesses (they inherit the environment), so
    the wheels' speech model is joined once, here; the hub is never asked."""
    home = tmp_path_factory.mktemp("shorts-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHORTORY_HOME", str(home))
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.delenv(MODEL_ENV, raising=False)
        model_source()
        yield home


def shortory(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m shortory_core ARGV`` as a user runs it, bounded by ``COMMAND_TIMEOUT_S``."""
    return subprocess.run([sys.executable, "-m", "shortory_core", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=COMMAND_TIMEOUT_S,
                          env={**os.environ, **(env or {})})


def words_of(text: str) -> list[str]:
    """The words of a caption, lower case, without punctuation."""
    return re.findall(r"\w+", text.lower())


@pytest.fixture(scope="module")
def fixture_words() -> list[Word]:
    """What Whisper base wrote for the talk's first 30 s (``multilingual_words.json``)."""
    recorded = json.loads((SPEECH / "multilingual_words.json").read_text(encoding="utf-8"))
    return [Word(*word) for word in recorded["words"]]


@pytest.fixture(scope="module")
def talk_project(talk_video: Path, speech_home: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int]:
    """The talk video imported as a project with ``COMMENTS`` (a JSON lines dump)."""
    dump = tmp_path_factory.mktemp("comments") / "comments.jsonl"
    dump.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in COMMENTS),
                    encoding="utf-8")
    store = Store(speech_home / "projects")
    job = run_job(store, "import", {"video": str(talk_video), "comments": str(dump),
                                    "name": "talk"})
    assert job.status == "done", job.error
    assert job.result["comments"] == len(COMMENTS)
    return store, int(job.result["project_id"])


@pytest.fixture(scope="module")
def made(talk_project: tuple[Store, int]) -> dict:
    """The project's best short, as the ``shorts`` command prints it (``--json``)."""
    store, project_id = talk_project
    done = shortory("--data-dir", str(store.root), "shorts", str(project_id), "--top", "1",
                    "--max-length", str(CAP_S), "--layout", "9:16", "--captions", "speech",
                    "--platform-size", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["project_id"] == project_id and len(result["shorts"]) == 1, result
    return result["shorts"][0]


def test_the_shorts_command_makes_a_publishable_vertical_short(
        made: dict, fixture_words: list[Word], talk_video: Path) -> None:
    assert made["status"] == "done" and not made["error"] and made["layout"] == "9:16"
    video = probe_video(Path(made["path"]))
    assert (video.width, video.height) == (1080, 1920) and video.has_audio
    start, end = made["start"], made["end"]
    assert video.duration == pytest.approx(end - start, abs=0.1)

    # The span asked is the comments' moment, capped; each edge moved at most the tolerance,
    # out of every word (the sound is quiet there, and it lies outside the fixture's words,
    # whose starts Whisper puts early), and says why.
    edges = made["edges"]
    asked = edges["start"]["asked"], edges["end"]["asked"]
    assert asked[0] < MOMENT_S < asked[1] and asked[1] - asked[0] <= CAP_S + 1e-6
    assert end - start <= CAP_S + 1e-6  # snapping never passes the cap
    for side, cut in (("start", start), ("end", end)):
        edge = edges[side]
        assert edge["chosen"] == pytest.approx(cut, abs=1e-6)
        assert (abs(cut - edge["asked"]) <= SNAP_TOLERANCE_S + 1e-6  # or moved for the cap
                or (side == "end" and "to keep the short within" in edge["why"]))
        assert edge["why"] and edge["kind"] in get_args(Kind)
        assert below_speech_db(talk_video, cut) >= 20, (side, cut)  # nobody speaks there
        assert not spoken_at(cut, [replace(w, start=w.start + WHISPER_EARLY_S)
                                   for w in fixture_words]), (side, cut)

    # Captions beside the short, timed in the short, are the words spoken in it.
    srt, vtt = Path(made["srt"]), Path(made["vtt"])
    assert srt.parent == vtt.parent == Path(made["path"]).parent
    assert srt.stem == vtt.stem == Path(made["path"]).stem
    cues = read_srt(srt)
    assert [(a, b, text) for _, a, b, text in cues] == read_vtt(vtt)
    assert cues[0][1] >= 0 and cues[-1][2] <= end - start + 1e-3
    spoken = [w for w in fixture_words if start <= w.start and w.end <= end]
    heard = [word for *_, text in cues for word in words_of(text)]
    expected = [word for w in spoken for word in words_of(w.text)]
    assert len(set(expected) & set(heard)) >= 0.8 * len(set(expected)), (heard, expected)
    assert {"person", "software", "documentation"} <= set(heard)
    for _, cue_start, cue_end, text in cues:  # each cue is where its words are spoken
        near = {word for w in fixture_words for word in words_of(w.text)
                if w.end - start > cue_start - 0.6 and w.start - start < cue_end + 0.6}
        assert len(set(words_of(text)) & near) >= 0.5 * len(set(words_of(text))), text

    # An explained score: 0–100, its parts by signal; only the comments have data here.
    assert isinstance(made["score"], int) and 0 <= made["score"] <= 100
    assert set(made["signals"]) <= set(SCORE_PARTS)
    assert made["signals"]["comments"] == 100 and made["signals"]["authors"] == 100
    assert "comment" in made["why"]


def test_the_short_exports_as_an_editor_timeline_cut_where_it_was_cut(
        made: dict, talk_project: tuple[Store, int], tmp_path: Path) -> None:
    store, project_id = talk_project
    out = tmp_path / "shorts.otio"
    done = shortory("--data-dir", str(store.root), "export", str(project_id), "--format",
                    "otio", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["out"] == str(out)
    timeline = otio.adapters.read_from_file(str(out))
    [clip] = [c for c in timeline.find_clips()
              if c.metadata["shortory"]["clip_id"] == made["clip_id"]
              and c.parent().kind == otio.schema.TrackKind.Video]
    assert clip.source_range.start_time.value == round(made["start"] * FPS)
    assert clip.source_range.end_time_exclusive().value == round(made["end"] * FPS)
    assert clip.metadata["shortory"]["score"]["total"] == made["score"]


def test_the_studios_render_carries_its_spec_edges_notes_and_score(
        talk_project: tuple[Store, int], talk_video: Path) -> None:
    """The studio's button: a box picked on the chart over the talk's hard cut, planned and
    rendered with speech captions and the title line through the job service's workers, as
    the page does. The cut falls inside a word, so the start goes to the pause before it."""
    store, project_id = talk_project
    video = store.get_video(project_id)
    timeline = build_timeline(store, project_id)
    mentions = MentionsByTime(project_mentions(store, project_id, video.duration))
    scorer = Scorer(timeline, mentions, viewer_faces(store, project_id, video.duration))
    spec = ShortSpec(captions="speech", title=True)
    options = ShortOptions(spec=spec)
    [short] = plan_shorts([peak_at(timeline, *BOX)], options)
    service = job_service(store)
    try:
        [clip_id] = render_shorts(service, project_id, [short], mentions, options, scorer)
        clip = wait_until(lambda: (c if (c := store.clip(clip_id)).status in ("done", "failed")
                                   else None), "the studio's short to render", timeout=240)
    finally:
        service.close()
    assert clip.status == "done", clip.error
    assert clip.meta["short"] == spec.as_meta() | {"longest": MAX_SHORT_S}
    assert clip.meta["asked"] == [short.start, short.end]
    for side, cut in (("start", clip.start), ("end", clip.end)):
        edge = clip.meta["edges"][side]
        assert edge["chosen"] == pytest.approx(cut)
        assert abs(cut - edge["asked"]) <= SNAP_TOLERANCE_S + 1e-6
        assert edge["why"].startswith("moved") and below_speech_db(talk_video, cut) >= 20
    start = clip.meta["edges"]["start"]
    assert start["kind"] == "pause" and start["chosen"] < TALK_CUT_S < BOX[0] + 1.5
    assert clip.meta["notes"] == [] and clip.meta["language"] == "en"
    assert clip.meta["title"] and clip.meta["srt"] and clip.meta["vtt"]
    row = clips_table([clip]).iloc[0]
    score = clip.meta["score"]
    assert row["score_100"] == score["total"] and row["score_why"] == score["why"]
    for part in SCORE_PARTS:
        assert f"score_{part}" in row.index
    assert row["score_comments"] == score["parts"]["comments"]["points"]


# -- bad input: the short still renders, and its captions say why they are absent ----------

def with_sound(talk_video: Path, sound: list[str], out: Path, seconds: float = 12.0) -> Path:
    """The talk's first ``seconds`` (its picture copied) with the sound ffmpeg's lavfi input
    ``sound`` makes instead of the speech."""
    return run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", "-i", path_arg(talk_video),
                       "-f", "lavfi", "-i", *sound, "-map", "0:v", "-map", "1:a",
                       "-t", str(seconds), "-c:v", "copy", "-c:a", "aac",
                       "-progress", "pipe:1", "-nostats", "-f", "mp4",
                       path_arg(out.with_name(out.name + ".part"))], out, seconds,
                      what="replacing the talk's sound")


def render_with_speech(video: Path, out: Path, start: float, end: float,
                       env: dict[str, str] | None = None) -> dict:
    """The ``render`` command with speech captions; the short and its JSON are checked."""
    done = shortory("render", str(video), "--span", str(start), str(end), "--captions",
                    "speech", "--out", str(out), "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["clip"]) == out and out.is_file()
    assert result["duration"] == pytest.approx(result["end"] - result["start"], abs=0.1)
    return result


def no_captions(result: dict) -> str:
    """The reason a short has no captions (its one note); its caption files hold no cue, since
    they go to a platform with the short and would show viewers any text in them."""
    assert read_srt(Path(result["srt"])) == [] and read_vtt(Path(result["vtt"])) == []
    [note] = result["notes"]
    return note


def test_a_video_without_sound_renders_and_its_captions_say_so(tmp_path: Path) -> None:
    result = render_with_speech(FACE_CLIPS / "reaction_smile_man.mp4", tmp_path / "mute.mp4",
                                0.5, 2.5)
    assert not result["has_audio"] and result["width"] > 0
    assert "no sound" in no_captions(result)


def test_silence_gets_no_invented_words(talk_video: Path, tmp_path: Path) -> None:
    silent = with_sound(talk_video, ["anullsrc=r=44100:cl=stereo"], tmp_path / "silent.mp4")
    result = render_with_speech(silent, tmp_path / "silent-short.mp4", 3.0, 9.0)
    assert result["has_audio"] and (result["width"], result["height"]) == (1280, 720)
    assert "silent" in no_captions(result)


def test_music_alone_gets_no_words(talk_video: Path, tmp_path: Path) -> None:
    """A synthetic A-major chord stands in for music."""
    chord = "+".join(f"0.2*sin(2*PI*{f}*t)" for f in (220, 277, 330, 440))
    music = with_sound(talk_video, [f"aevalsrc={chord}:s=44100"], tmp_path / "music.mp4")
    result = render_with_speech(music, tmp_path / "music-short.mp4", 3.0, 9.0)
    assert result["has_audio"]
    assert re.fullmatch(r"No speech was heard.*music.*", no_captions(result))


@pytest.mark.parametrize("damage", ["empty folder", "truncated model.bin"])
def test_a_missing_or_damaged_model_still_renders_and_names_the_model(
        damage: str, talk_video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    if damage == "truncated model.bin":  # a download cut short (see test_speech)
        joined = Path(model_source())
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copy(joined / name, folder / name)
        with (joined / "model.bin").open("rb") as whole:
            (folder / "model.bin").write_bytes(whole.read(20_000_000))
    result = render_with_speech(talk_video, tmp_path / "short.mp4", 3.0, 9.0,
                                env={MODEL_ENV: str(folder)})
    assert result["has_audio"]
    note = no_captions(result)
    assert str(folder) in note and ("damaged" in note if damage != "empty folder"
                                    else f"{MODEL_ENV}=" in note and "lacks model.bin" in note)


def test_clean_edges_alone_hear_only_where_the_edges_may_move(talk_video: Path,
                                                              tmp_path: Path) -> None:
    """A 16:9 short without captions asks for the words around its two edges, not its whole
    span: a long short's clean cut then costs two short stretches of transcription."""
    from shortory_core.clips.short import Source, make_short
    from shortory_core.speech.transcribe import transcribe

    asked: list[tuple[float, float]] = []

    def words_for(start: float, end: float):
        asked.append((round(start, 2), round(end, 2)))
        return transcribe(talk_video, start, end)

    source = Source(talk_video, 1280, 720, 60.0)
    made = make_short(source, 3.0, 27.0, ShortSpec(), tmp_path / "s.mp4", work=tmp_path,
                      words_for=words_for)
    tolerance = SNAP_TOLERANCE_S
    assert asked == [(3.0 - tolerance, 3.0 + tolerance), (27.0 - tolerance, 27.0 + tolerance)]
    assert made.edges is not None and made.edges.start.why and made.edges.end.why
    assert made.srt is None and probe_video(made.video).width == 1280  # the source's frame
