"""A preview is made for what a browser cannot play well, not for file size alone: real files
made with the bundled ffmpeg, probed, judged, and remuxed or re-encoded."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shortory_core.clips.playback import (
    MAX_AS_IS_MB,
    MAX_MBIT_S,
    Fix,
    StreamFacts,
    preview_need,
    probe_facts,
)
from shortory_core.clips.preview import make_preview, needed_preview, shown_file
from shortory_core.clips.render import ffmpeg_exe
from shortory_core.kinds import job_service
from shortory_core.kinds.rendering import ask_for_preview
from shortory_core.records import JobStatus
from shortory_core.store import Store
from tests.browser import browser_page, needs_chromium
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 2.0
PICTURE = ["-f", "lavfi", "-i", f"testsrc2=s=320x240:r=25:d={SECONDS}",
           "-f", "lavfi", "-i", f"sine=d={SECONDS}"]
MADE = {  # name: the encoding options after the two inputs
    "h264.mp4": ["-c:v", "libx264", "-c:a", "aac"],
    "hevc.mp4": ["-c:v", "libx265", "-x265-params", "log-level=none", "-c:a", "aac"],
    "mpeg4.avi": ["-c:v", "mpeg4", "-c:a", "mp3"],
    "ten-bit.mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-c:a", "aac"],
    "h264-ac3.mkv": ["-c:v", "libx264", "-c:a", "ac3"],
    "h264.mov": ["-c:v", "libx264", "-c:a", "aac"],
    "vp9.webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                 "-c:a", "libopus"],
}
PADDED_S = 44.0


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *args], check=True)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("playback")
    for name, options in MADE.items():
        ffmpeg(*PICTURE, *options, "-shortest", str(folder / name))
    return {name: folder / name for name in MADE}


def need_of(path: Path, seconds: float = SECONDS) -> tuple[Fix | None, str]:
    need = preview_need(probe_facts(path, seconds))
    return (need.fix, need.reason) if need else (None, "")


@pytest.fixture(scope="module")
def padded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file of the report: 240p H.264 padded by its bitrate past the old 100 MB trigger."""
    path = tmp_path_factory.mktemp("padded") / "padded.mp4"
    ffmpeg("-f", "lavfi", "-i", f"nullsrc=s=426x240:r=20:d={PADDED_S},geq=random(1)*255:128:128",
           "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
           str(path))
    return path


def test_a_big_240p_h264_mp4_plays_as_it_is(padded: Path) -> None:
    facts = probe_facts(padded, PADDED_S)
    assert 120 < facts.megabytes < MAX_AS_IS_MB and facts.mbit_s < MAX_MBIT_S
    assert (facts.video_codec, facts.height, facts.container) == ("h264", 240, "mp4")
    assert preview_need(facts) is None


@pytest.mark.parametrize(("name", "fix", "said"), [
    ("h264.mp4", None, ""),
    ("hevc.mp4", Fix.TRANSCODE, "HEVC (H.265) does not play in most browsers"),
    ("mpeg4.avi", Fix.TRANSCODE, "MPEG-4 part 2 does not play in most browsers"),
    ("ten-bit.mp4", Fix.TRANSCODE, "10-bit colour does not play in every browser"),
    ("h264-ac3.mkv", Fix.REMUX,
     "a .mkv file does not play in every browser; its AC-3 sound does not play in every browser"),
    ("h264.mov", Fix.REMUX, "a .mov file does not play in every browser"),
    ("vp9.webm", None, ""),
])
def test_each_real_file_gets_the_preview_its_streams_ask_for(
        videos: dict[str, Path], name: str, fix: Fix | None, said: str) -> None:
    assert need_of(videos[name]) == (fix, said)


@pytest.mark.parametrize("name", ["hevc.mp4", "ten-bit.mp4", "h264-ac3.mkv"])
def test_the_preview_made_plays_as_it_is(videos: dict[str, Path], tmp_path: Path,
                                         name: str) -> None:
    need = preview_need(probe_facts(videos[name], SECONDS))
    out = make_preview(videos[name], tmp_path / "preview.mp4", SECONDS, need=need)
    assert need_of(out) == (None, "")
    made = probe_facts(out, SECONDS)
    assert (made.width, made.height, made.audio_codec) == (320, 240, "aac")


def test_a_remux_copies_the_picture_untouched(videos: dict[str, Path], tmp_path: Path) -> None:
    """The remux keeps every coded frame as it was (no generation loss, no encoder run)."""
    source = videos["h264-ac3.mkv"]
    out = make_preview(source, tmp_path / "preview.mp4", SECONDS,
                       need=preview_need(probe_facts(source, SECONDS)))

    def frames(path: Path) -> bytes:
        return subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v",
                               "-c", "copy", "-f", "h264", "-"], capture_output=True,
                              check=True).stdout
    assert frames(out) == frames(source)


BASE = StreamFacts(container="mp4", video_codec="h264", pixel_format="yuv420p", bit_depth=8,
                   chroma="4:2:0", width=1920, height=1080, audio_codec="aac", megabytes=150.0,
                   mbit_s=8.0)


@pytest.mark.parametrize(("changes", "fix", "said"), [
    ({}, None, ""),
    ({"width": 1080, "height": 1920}, None, ""),  # a phone's portrait 1080p
    ({"container": "webm", "video_codec": "vp9", "audio_codec": "opus"}, None, ""),
    ({"video_codec": "av1", "audio_codec": ""}, None, ""),
    ({"video_codec": "prores", "pixel_format": "yuv422p10le", "bit_depth": 10, "chroma": "4:2:2"},
     Fix.TRANSCODE, "ProRes does not play in most browsers; "
                    "10-bit colour does not play in every browser"),
    ({"pixel_format": "yuv444p", "chroma": "4:4:4"}, Fix.TRANSCODE,
     "4:4:4 colour does not play in every browser"),
    ({"width": 3840, "height": 2160}, Fix.TRANSCODE,
     "3840×2160 is heavier than 1080p to play beside the charts"),
    ({"mbit_s": 45.0}, Fix.TRANSCODE, "45 Mbit/s would stall the player"),
    ({"megabytes": 1200.0}, Fix.TRANSCODE, "the server would hold all 1,200 MB of it in memory"),
    ({"container": "mkv", "megabytes": 1200.0}, Fix.TRANSCODE,
     "the server would hold all 1,200 MB of it in memory"),  # the re-encode fixes both
    ({"container": "webm", "video_codec": "h264"}, Fix.REMUX,
     "H.264 in a .webm file does not play in every browser"),
    ({"audio_codec": "pcm_s16le"}, Fix.REMUX, "its PCM sound does not play in every browser"),
    ({"audio_codec": "opus"}, Fix.REMUX, "Opus sound in an .mp4 does not play in every browser"),
    ({"container": "mkv", "audio_codec": "opus"}, Fix.REMUX,
     "a .mkv file does not play in every browser"),
])
def test_the_decision_on_probed_facts(changes: dict, fix: Fix | None, said: str) -> None:
    need = preview_need(dataclasses.replace(BASE, **changes))
    assert ((need.fix, need.reason) if need else (None, "")) == (fix, said)


def test_a_remux_keeps_a_playable_sound_and_converts_another() -> None:
    assert preview_need(dataclasses.replace(BASE, container="mov")).copy_audio
    assert not preview_need(dataclasses.replace(BASE, container="mkv",
                                                audio_codec="ac3")).copy_audio


def test_the_project_page_says_why_and_remuxes_a_playable_video_in_a_bad_container(
        demo_copy: Path, videos: dict[str, Path]) -> None:
    """The demo video rewrapped as Matroska with AC-3 sound: the page says why it is not shown,
    and the preview job copies the picture into MP4 in seconds instead of re-encoding it."""
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    video = store.get_video(project_id)
    original = store.media_path(video.path)
    rewrapped = demo_copy / "rewrapped.mkv"
    ffmpeg("-i", str(original), "-c:v", "copy", "-c:a", "ac3", "-f", "matroska", str(rewrapped))
    shutil.move(rewrapped, original)  # the project's file, now Matroska under its old name
    assert needed_preview(store, video).fix == Fix.REMUX and shown_file(store, video) is None
    app = AppTest.from_file(str(ROOT / "pages/project.py"), default_timeout=60).run()
    assert not app.exception
    assert any("a .mkv file does not play in every browser" in i.value for i in app.info)
    wait_until(lambda: any(j.status == JobStatus.DONE for j in store.jobs.listing(
        project_id=project_id, kinds=("preview",))), "the preview job to remux")
    remuxed = store.get_video(project_id)
    preview = store.media_path(remuxed.preview)
    assert shown_file(store, remuxed) == preview and need_of(preview) == (None, "")
    job = store.jobs.listing(project_id=project_id, kinds=("preview",))[0]
    assert "a .mkv file does not play in every browser" in job.message
    assert job.result["fix"] == "remux"
    app.run()  # the page plays the preview, and says it is one, and why
    assert not app.exception and any(
        "A preview made for this page: a .mkv file does not play in every browser" in c.value
        for c in app.caption)


def test_an_invite_asks_for_the_preview_once(demo_copy: Path, videos: dict[str, Path]) -> None:
    """A remote viewer's browser plays what the pages play: inviting viewers to an HEVC
    video queues its preview, once, even before anyone opens the Project page."""
    store = Store(demo_copy)
    project_id = store.demo_project_id()
    service = job_service(store, workers=False)
    assert ask_for_preview(service, project_id) is None  # the demo's H.264 plays as it is
    shutil.copy(videos["hevc.mp4"], store.media_path(store.get_video(project_id).path))
    need = ask_for_preview(service, project_id)
    assert need is not None and need.reason == "HEVC (H.265) does not play in most browsers"
    assert ask_for_preview(service, project_id) == need
    [job] = store.jobs.listing(project_id=project_id, kinds=("preview",))
    assert job.active  # queued once: a second invite waits for the same job


def test_an_unreadable_original_is_never_handed_to_the_page(demo_copy: Path) -> None:
    store = Store(demo_copy)
    video = store.get_video(store.demo_project_id())
    store.media_path(video.path).write_bytes(b"not a video any more")
    assert needed_preview(store, video).fix == Fix.TRANSCODE
    assert shown_file(store, video) is None


PLAYED = """async (src) => {
  const video = Object.assign(document.createElement("video"), {muted: true, src});
  document.body.append(video);
  const end = await new Promise(done => {
    video.onended = () => done("ended");
    video.onerror = () => done("error");
    video.onloadedmetadata = () => { video.currentTime = Math.max(0, video.duration - 1); };
    video.play().catch(() => {});
  });
  return {end, picture: video.videoWidth > 0, sound: video.webkitAudioDecodedByteCount > 0};
}"""


@needs_chromium
def test_chromium_plays_what_is_shown_as_is_and_every_preview_but_not_the_originals(
        videos: dict[str, Path], padded: Path, tmp_path: Path) -> None:
    """Debian's Chromium plays the last second of each file: the files shown as they are and
    the previews play with picture and sound; the originals that get one lose either."""
    previews = {name: make_preview(videos[name], tmp_path / f"{name}.mp4", SECONDS,
                                   need=preview_need(probe_facts(videos[name], SECONDS)))
                for name in ("hevc.mp4", "mpeg4.avi", "h264-ac3.mkv")}
    whole = {"end": "ended", "picture": True, "sound": True}
    with browser_page() as page:
        page.goto(tmp_path.as_uri())

        def played(path: Path) -> dict:
            return page.evaluate(PLAYED, path.as_uri())
        assert played(padded) == {"end": "ended", "picture": True, "sound": False}  # silent
        for name in ("h264.mp4", "vp9.webm"):
            assert played(videos[name]) == whole, name
        for made in previews.values():
            assert played(made) == whole, made.name
        assert not played(videos["hevc.mp4"])["picture"]
        assert played(videos["mpeg4.avi"])["end"] == "error"
        assert not played(videos["h264-ac3.mkv"])["sound"]
