"""Speech, locally: Whisper base on real speech (the MIT license read in English, then in
German), its words in seconds of the source video, the transcript cache, the whole-video job
and command, and every way a video or the model can leave a short without words."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg
from shortory_core.highlights.timeline import build_timeline
from shortory_core.kinds import job_service
from shortory_core.records import JobStatus
from shortory_core.speech import cache, model
from shortory_core.speech.cache import cached_transcript, project_transcript, stored_transcripts
from shortory_core.speech.model import MODEL_ENV, SpeechModelError, joined_model, model_source
from shortory_core.speech.transcribe import TranscriptionCancelled, transcribe, transcribe_windows
from shortory_core.store import Store
from tests.conftest import FACE_CLIPS, SPEECH

ROOT = Path(__file__).resolve().parents[1]
MIT = SPEECH / "multilingual.mp3"


@pytest.fixture(scope="module", autouse=True)
def speech_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module, so the wheels' model is joined once and loaded once;
    the hub is never asked."""
    home = tmp_path_factory.mktemp("speech-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHORTORY_HOME", str(home))
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.delenv(MODEL_ENV, raising=False)
        yield home


def video_of(sound: list[str], seconds: float, out: Path) -> Path:
    """A small H.264 video of ``seconds`` with the sound ffmpeg's inputs ``sound`` give
    (no inputs: no sound track)."""
    audio = ["-map", "1:a", "-c:a", "aac"] if sound else []
    return run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                       f"color=c=gray:s=320x180:r=25:d={seconds}", *sound, "-map", "0:v",
                       *audio, "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
                       "-progress", "pipe:1", "-nostats", "-f", "mp4",
                       path_arg(out.with_name(out.name + ".part"))], out, seconds,
                      what="making a test video")


def new_project(store: Store, video: Path) -> int:
    service = job_service(store, workers=False)
    try:
        job = service.run(service.submit("import", {"video": str(video), "name": video.stem,
                                                    "comments": None}))
    finally:
        service.close()
    assert job.status == JobStatus.DONE, job.error
    return int(job.result["project_id"])


@pytest.fixture(scope="module")
def talk_12s(talk_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The talk's first 12 s (English), cut on a keyframe without re-encoding."""
    out = tmp_path_factory.mktemp("talk12") / "talk12.mp4"
    return run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", "-i", path_arg(talk_video), "-t", "12",
                       "-c", "copy", "-progress", "pipe:1", "-nostats", "-f", "mp4",
                       path_arg(out.with_name(out.name + ".part"))], out, 12.0, what="cutting")


def test_english_words_come_with_their_times_in_seconds_of_the_source() -> None:
    opening = transcribe(MIT, 0.0, 6.0)
    assert not opening.absent
    assert opening.language == "en" and opening.language_probability > 0.9
    first = opening.words[0]
    assert first.text == "Permission" and first.start < 0.5 and 0.2 < first.end < 2.0
    texts = [w.text.strip(",.").lower() for w in opening.words]
    assert texts[:4] == ["permission", "is", "hereby", "granted"]
    assert all(a.start <= b.start for a, b in zip(opening.words, opening.words[1:], strict=False))
    later = transcribe(MIT, 2.0, 6.0)  # the same words, timed in the source, not the span
    person = next(w for w in later.words if w.text.strip(",.").lower() == "person")
    same = next(w for w in opening.words if w.text.strip(",.").lower() == "person")
    assert person.start == pytest.approx(same.start, abs=0.4) and person.start > 2.5


def test_the_german_part_alone_is_detected_as_german() -> None:
    german = transcribe(MIT, 32.0, 40.0)
    assert german.language == "de" and not german.absent
    assert "Software" in {w.text.strip(",.") for w in german.words}
    assert all(32.0 <= w.start < w.end <= 40.0 for w in german.words)


def test_a_long_stretch_is_heard_in_windows_without_losing_or_doubling_a_word() -> None:
    whole = transcribe(MIT, 0.0, 12.0)
    windows = transcribe_windows(MIT, 0.0, 12.0, window=6.0)
    texts = [w.text.strip(",.").lower() for w in windows.words]
    assert windows.language == "en" and not windows.absent
    assert texts == [w.text.strip(",.").lower() for w in whole.words]
    assert all(a.end <= b.start + 0.1 for a, b in pairwise(windows.words))


def test_a_video_without_sound_with_silence_or_music_has_no_words_and_says_why(
        tmp_path: Path) -> None:
    mute = transcribe(FACE_CLIPS / "reaction_smile_man.mp4", 0.0, 3.0)
    assert not mute.words and "no sound track" in mute.absent
    silent = video_of(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo"], 3.0,
                      tmp_path / "silent.mp4")
    quiet = transcribe(silent, 0.0, 3.0)
    assert not quiet.words and "silent" in quiet.absent
    chord = "+".join(f"0.2*sin(2*PI*{f}*t)" for f in (220, 277, 330, 440))
    music = video_of(["-f", "lavfi", "-i", f"aevalsrc={chord}:s=44100:d=4"], 4.0,
                     tmp_path / "music.mp4")
    tune = transcribe(music, 0.0, 4.0)
    assert not tune.words and "No speech was heard" in tune.absent


def test_a_project_transcribes_a_span_once_and_the_cache_answers_again(
        talk_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "data")
    project = new_project(store, talk_video)
    calls: list[tuple[float, float]] = []
    real = cache.transcribe_span

    def counted(source: Path, start: float, end: float, **kwargs: object):
        calls.append((start, end))
        return real(source, start, end, **kwargs)

    monkeypatch.setattr(cache, "transcribe_span", counted)
    first = project_transcript(store, project, 3.0, 6.0)
    assert calls == [(0.0, 11.0)]  # the span and its 5 s margin, within the video
    assert "person" in {w.text.strip(",.").lower() for w in first.words}
    assert all(w.end > 3.0 and w.start < 6.0 for w in first.words)
    again = project_transcript(store, project, 3.0, 6.0)
    inside = project_transcript(store, project, 1.0, 4.0)
    assert calls == [(0.0, 11.0)] and again == first
    inside_texts = {w.text.strip(",.").lower() for w in inside.words}
    assert "charge" in inside_texts and "permission" not in inside_texts
    assert cached_transcript(store, project, 20.0, 22.0) is None

    timeline = build_timeline(store, project)  # the speech signal reads what is cached
    speech = timeline["speech"]
    assert np.isnan(speech[timeline.t > 10]).all()
    spoken = speech[(timeline.t > 0.5) & (timeline.t < 7.5)]  # kept: 0–8 s of 0–11 heard
    assert not np.isnan(spoken).any() and spoken.min() >= 0 and spoken.max() <= 1
    assert spoken.mean() > 0.5  # a steady reading: most of the time a word is spoken

    folder = store.media_root / f"project-{project}" / cache.FOLDER
    assert len(stored_transcripts(store, project)) == 1 and any(folder.iterdir())
    store.delete_project(project)
    assert not folder.exists()


def test_the_whole_video_job_reports_progress_and_answers_every_span(
        talk_12s: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    project = new_project(store, talk_12s)
    seen: list[float] = []
    service = job_service(store, workers=False)
    try:
        job = service.run(service.submit("transcribe", {"project_id": project},
                                         project_id=project, subject_id=project),
                          lambda fraction, step: seen.append(fraction))
    finally:
        service.close()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["language"] == "en" and job.result["words"] > 25
    assert "words transcribed" in job.message
    assert seen and seen[-1] == pytest.approx(1.0, abs=0.05) and seen == sorted(seen)
    whole = stored_transcripts(store, project)
    assert len(whole) == 1 and whole[0].start == 0.0 and whole[0].end > 11.5
    span = cached_transcript(store, project, 7.0, 9.0)
    assert span is not None and span.words and all(w.end > 7.0 for w in span.words)


def test_the_transcribe_command_prints_the_result(talk_12s: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    new_project(Store(home), talk_12s)
    done = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           "transcribe", "talk12", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["language"] == "en" and result["words"] > 25 and not result["absent"]
    missing = subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                              "transcribe", "nothing"], capture_output=True, text=True,
                             cwd=ROOT, timeout=60)
    assert missing.returncode == 2 and "No project named 'nothing'" in missing.stderr


def test_a_cancel_stops_between_segments() -> None:
    stop = threading.Event()
    heard: list[float] = []

    def first_segment_then_cancel(fraction: float) -> None:
        heard.append(fraction)
        stop.set()

    with pytest.raises(TranscriptionCancelled):
        transcribe(MIT, 0.0, 10.0, progress=first_segment_then_cancel, cancelled=stop)
    assert len(heard) == 1 and 0 < heard[0] < 1


def test_a_model_folder_from_the_environment_is_used(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    joined = Path(model_source())  # the wheels' copy, joined into the data folder
    assert joined.parent.parent == Path(model.data_dir()) and (joined / "model.bin").is_file()
    monkeypatch.setenv(MODEL_ENV, str(joined))
    assert model_source() == str(joined)
    assert transcribe(MIT, 0.0, 3.0).words[0].text == "Permission"
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(joined / "config.json", partial / "config.json")
    monkeypatch.setenv(MODEL_ENV, str(partial))
    with pytest.raises(SpeechModelError, match=r"lacks model\.bin, tokenizer\.json"):
        model_source()
    assert "lacks model.bin, tokenizer.json" in transcribe(MIT, 0.0, 3.0).absent


def test_a_damaged_model_gives_a_clear_absent_reason(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    joined = Path(model_source())
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copy(joined / name, damaged / name)
    with (joined / "model.bin").open("rb") as whole:
        (damaged / "model.bin").write_bytes(whole.read(20_000_000))  # a download cut short
    monkeypatch.setenv(MODEL_ENV, str(damaged))
    result = transcribe(MIT, 0.0, 3.0)
    assert not result.words and "damaged" in result.absent and MODEL_ENV in result.absent


def test_a_damaged_wheel_is_refused_and_leaves_no_half_model(tmp_path: Path) -> None:
    parts = model._wheel_parts()
    assert parts is not None
    bad = tmp_path / "config.json"
    bad.write_text(parts["config.json"].read_text().replace("50259", "50258"))
    target = tmp_path / "models" / "whisper-base"
    with pytest.raises(SpeechModelError, match="does not match its card"):
        joined_model({**parts, "config.json": bad}, target)
    assert not any((tmp_path / "models").iterdir())


def test_without_wheels_or_hub_the_model_is_a_clear_refusal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "_wheel_parts", lambda: None)
    assert model_source() == "base"
    result = transcribe(MIT, 0.0, 3.0)
    assert not result.words and "pip install -r requirements.txt" in result.absent


def test_the_project_page_transcribes_the_whole_video_and_says_why_there_are_no_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A video without sound: the page's button runs the job, which ends with the reason."""
    from streamlit.testing.v1 import AppTest

    from tests.waiting import wait_until

    store = Store(tmp_path / "data")
    project = new_project(store, FACE_CLIPS / "reaction_smile_man.mp4")
    monkeypatch.setenv("SHORTORY_HOME", str(store.root))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/project.py"), default_timeout=60)
    app.query_params["project"] = str(project)
    app.run()
    assert not app.exception and "Speech" in [h.value for h in app.subheader]
    next(b for b in app.button if b.label == "Transcribe the whole video").click().run()
    job = wait_until(lambda: next((j for j in store.jobs.listing(
        project_id=project, kinds=("transcribe",)) if not j.active), None),
        "the transcribe job to end")
    assert job.status == JobStatus.DONE and job.progress == pytest.approx(1.0)
    assert "no sound track" in job.message and job.result["words"] == 0
    app.run()
    assert any("no sound track" in c.value for c in app.caption)
    assert not any(b.label == "Transcribe the whole video" for b in app.button)


def test_a_kept_range_leaves_out_the_edges_whisper_hears_worst() -> None:
    from shortory_core.speech.cache import TRIM_S, trimmed
    from shortory_core.speech.words import Transcript, Word

    words = tuple(Word(t, t + 0.4, f"w{t:g}") for t in (10.2, 14.0, 25.0, 38.0, 39.5))
    inner = trimmed(Transcript(10.0, 40.0, words, "en", 0.99), duration=60.0)
    assert (inner.start, inner.end) == (10.0 + TRIM_S, 40.0 - TRIM_S)
    assert [w.text for w in inner.words] == ["w14", "w25"] and inner.language == "en"
    at_the_ends = trimmed(Transcript(0.0, 60.0, words), duration=60.0)  # the video's own ends
    assert (at_the_ends.start, at_the_ends.end) == (0.0, 60.0) and at_the_ends.words == words
