"""Editor export: real shorts rendered from real videos (25 fps and 29.97 fps), written in
every format, read back with OpenTimelineIO, and each in and out point checked to the frame."""

from __future__ import annotations

import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import opentimelineio as otio
import pytest

from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg
from shortory_core.clips.rendering import ClipRequest, queue_clips
from shortory_core.editor.formats import FORMATS, edl_rate, export_timeline, reel_name
from shortory_core.editor.timeline import NO_SHORTS, frame_rate
from shortory_core.errors import ShortoryError
from shortory_core.kinds import job_service
from shortory_core.records import ClipRecord
from shortory_core.store import Store
from tests.conftest import run_job

ROOT = Path(__file__).resolve().parents[1]
# Two shorts whose edges fall between frames (rounded to the nearest), the better one later.
SPANS = ((3.37, 14.81, 9.0, 41), (20.02, 31.5, 25.55, 88))


@pytest.fixture(scope="module")
def ntsc_video(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk's first 40 s at 30000/1001 fps (the rate "29.97" stands for)."""
    out = tmp_path_factory.mktemp("ntsc") / "talk 29.97.mp4"
    return run_ffmpeg([
        ffmpeg_exe(), "-v", "error", "-y", "-i", path_arg(talk_video), "-t", "40",
        "-vf", "fps=30000/1001", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
        "-c:a", "aac", "-progress", "pipe:1", "-nostats", "-f", "mp4",
        path_arg(out.with_name(out.name + ".part"))], out, 40.0, what="making the 29.97 video")


def project_with_shorts(store: Store, video: Path) -> tuple[int, list[ClipRecord]]:
    """A project of ``video`` with the two ``SPANS`` rendered as shorts, as the studio does."""
    project_id = int(run_job(store, "import", {"video": str(video)}).result["project_id"])
    service = job_service(store, workers=False)
    try:
        queue_clips(service, project_id, "happy", [
            ClipRequest(start, end, 0.5, f"happy · {peak:.0f}s", meta={
                "emotion": "happy", "peak_time": peak, "signals": {"comments": 3},
                "score": {"total": total, "parts": {"comments": {
                    "points": total, "value": 3.0, "why": "3 comments"}},
                    "why": f"{total}: 3 comments"}})
            for start, end, peak, total in SPANS])
        for job in store.jobs.listing(project_id=project_id, kinds=("render",)):
            assert service.run(job.id).status == "done"
    finally:
        service.close()
    return project_id, store.clips(project_id)


def read_back(path: Path, fmt: str, rate: float) -> otio.schema.Timeline:
    adapter = FORMATS[fmt][0]
    found = otio.adapters.read_from_file(
        str(path), adapter_name=adapter, **({"rate": rate} if fmt == "edl" else {}))
    if isinstance(found, otio.schema.SerializableCollection):  # FCPXML: a library of projects
        [found] = list(found.find_children(descended_from_type=otio.schema.Timeline)) or [found]
    return found


@pytest.mark.parametrize("which", ["25", "29.97"])
def test_every_format_reads_back_with_each_cut_on_its_frame(
        which: str, store: Store, talk_video: Path, ntsc_video: Path, tmp_path: Path) -> None:
    video = talk_video if which == "25" else ntsc_video
    project_id, clips = project_with_shorts(store, video)
    fps = store.get_video(project_id).fps
    rate = frame_rate(fps)
    assert rate == (25.0 if which == "25" else 30000 / 1001)
    best_first = sorted(clips, key=lambda c: -c.meta["score"]["total"])
    for fmt, (_, suffix, _) in FORMATS.items():
        out = export_timeline(store, project_id, fmt, tmp_path / f"shorts{suffix}")
        at = edl_rate(rate) if fmt == "edl" else rate
        timeline = read_back(out, fmt, at)
        [track] = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
        got = list(track.find_clips())
        assert [c.name for c in got] == [c.label for c in best_first], fmt
        # At NTSC rates two readers fall short of their writers: the FCPXML reader truncates
        # 29.97 to 29 fps (OpenTimelineIO issue #903), and the EDL reader skips drop-frame LOC
        # lines (``00:00:25;16``). There the cuts, or the peaks, are read from the file itself.
        ntsc = at != round(at)
        cuts = fcpxml_cuts(out, at) if fmt == "fcpxml" and ntsc else [
            (c.source_range.start_time.value, c.source_range.end_time_exclusive().value,
             c.markers[0].marked_range.start_time.rescaled_to(at).value if c.markers else None)
            for c in got]
        if fmt == "edl" and ntsc:
            locators = re.findall(r"^\* LOC: (\S+)", out.read_text(), re.MULTILINE)
            cuts = [(i, o, otio.opentime.from_timecode(tc, at).value)
                    for (i, o, _), tc in zip(cuts, locators, strict=True)]
        for item, clip, (cut_in, cut_out, peak) in zip(got, best_first, cuts, strict=True):
            if (fmt, at) != ("fcpxml", 30000 / 1001):
                assert item.source_range.start_time.rate == pytest.approx(at), fmt
            assert cut_in == round(clip.start * at), fmt
            assert cut_out == pytest.approx(round(clip.end * at)), fmt
            assert peak == pytest.approx(round(clip.meta["peak_time"] * at)), fmt
            carried(fmt, item, clip)
        if fmt != "edl":  # an EDL names the source only in comments
            source_url = store.media_path(store.get_video(project_id).path).resolve().as_uri()
            assert {c.media_reference.target_url for c in got} == {source_url}, fmt
            audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
            assert [len(list(t.find_clips())) for t in audio] == [2], fmt


def fcpxml_cuts(path: Path, rate: float) -> list[tuple[int, int, int]]:
    """In, out and peak marker of each clip on an FCPXML spine, in frames of ``rate``, from
    the file's exact times (``1001/30000s`` and the like)."""
    frame = 1 / Fraction(rate).limit_denominator(1001)

    def frames(text: str) -> int:
        exact = Fraction(text.removesuffix("s")) / frame
        assert exact.denominator == 1, text  # every time falls on a frame
        return int(exact)

    cuts = []
    for clip in ElementTree.parse(path).getroot().find(".//spine") or []:
        start = frames(clip.get("start", "0s"))
        marker = clip.find("marker")
        assert marker is not None
        cuts.append((start, start + frames(clip.get("duration", "0s")),
                     frames(marker.get("start", "0s"))))
    return cuts


def carried(fmt: str, item: otio.schema.Clip, clip: ClipRecord) -> None:
    """What each format keeps of the clip's metadata survived the round trip."""
    total = clip.meta["score"]["total"]
    if fmt == "otio":
        meta = item.metadata["shortory"]
        assert meta["score"] == clip.meta["score"] and meta["emotion"] == "happy"
        assert meta["signals"] == {"comments": 3} and meta["peak_time"] == clip.meta["peak_time"]
        assert Path(meta["rendered"]).is_file() and meta["clip_id"] == clip.id
    elif fmt == "fcp7":
        comments = item.metadata["fcp_xml"]["comments"]
        assert comments["mastercomment1"] == f"score {total}"
        assert comments["mastercomment2"] == "happy"
        assert Path(comments["mastercomment4"]).is_file()
        assert item.markers[0].metadata["fcp_xml"]["comment"] == f"happy peak, score {total}"
    elif fmt == "edl":
        assert f"SHORTORY SCORE {total} EMOTION happy" in item.metadata["cmx_3600"]["comments"]
        assert len(item.metadata["cmx_3600"]["reel"]) <= 8
    else:  # FCPXML keeps the clip's name and its markers; the note rides on the asset
        assert item.markers[0].name == "peak happy"


def test_a_project_without_shorts_refuses_to_export(store: Store, talk_video: Path,
                                                    tmp_path: Path) -> None:
    project_id = int(run_job(store, "import", {"video": str(talk_video)}).result["project_id"])
    with pytest.raises(ShortoryError, match=NO_SHORTS):
        export_timeline(store, project_id, "otio", tmp_path / "x.otio")
    assert not (tmp_path / "x.otio").exists()
    done = subprocess.run(
        [sys.executable, "-m", "shortory_core", "--data-dir", str(store.root), "export",
         str(project_id), "--format", "edl", "--out", str(tmp_path / "x.edl")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and NO_SHORTS in done.stderr
    assert not (tmp_path / "x.edl").exists()


def test_edl_rates_and_reel_names() -> None:
    assert [round(edl_rate(r), 3) for r in (25, 30000 / 1001, 50, 60000 / 1001, 15, 24)] == [
        25, 29.97, 25, 29.97, 30, 24]
    assert reel_name(Path("/m/project-3/My talk (final).mp4")) == "MYTALKFI"
    assert reel_name(Path("/m/가나다.mp4")) == "AX"
