"""Smart cuts with the real ffmpeg: whole GOPs copied, edges re-encoded, the result the same
clip as a full re-encode of the span (``talk_video``: 25 fps, a keyframe every 2 s, speech)."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from shortory_core.clips.render import (
    RenderCancelled,
    clip_command,
    ffmpeg_exe,
    path_arg,
    render_clip,
    run_ffmpeg,
)
from shortory_core.clips.smart_cut import NoSmartCut, plan_smart_cut

FRAME_S = 1 / 25 + 1e-3  # one frame, and the rounding of a stream's time base


@dataclass
class Decoded:
    """What a clip shows: its frame count and times, some frames, its streams' lengths."""

    tag: str
    times: list[float]
    frames: dict[int, np.ndarray]
    video_s: float
    audio_s: float
    audio_start: float


def decoded(path: Path, keep: tuple[int, ...] = (0, 1, -2, -1)) -> Decoded:
    """Decode every frame (in process), keeping the pictures at ``keep`` (negative: from the
    end, so a clip one frame longer is still compared end to end)."""
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = list(container.decode(video))
        return Decoded(
            tag=video.codec_context.codec_tag,
            times=[float(f.time) for f in frames],
            frames={i: frames[i].to_ndarray(format="rgb24").astype(np.int16) for i in keep},
            video_s=float(video.duration * video.time_base),
            audio_s=float(audio.duration * audio.time_base),
            audio_start=float((audio.start_time or 0) * audio.time_base),
        )


def decode_errors(path: Path) -> str:
    """What ffmpeg complains about while decoding every frame of ``path`` (nothing is good)."""
    return subprocess.run([ffmpeg_exe(), "-v", "error", "-i", path_arg(path), "-f", "null", "-"],
                          capture_output=True, text=True, check=False).stderr


def full_reencode(source: Path, start: float, end: float, out: Path) -> Path:
    return run_ffmpeg(clip_command(source, start, end, out.with_name(out.name + ".part"),
                                   "exact"), out, end - start)


def assert_same_clip(smart: Path, reference: Path) -> None:
    ours, theirs = decoded(smart), decoded(reference)
    assert decode_errors(smart) == ""
    assert abs(len(ours.times) - len(theirs.times)) <= 1
    assert ours.times[0] == pytest.approx(0.0, abs=1e-3) and ours.audio_start == pytest.approx(
        0.0, abs=1e-3)
    assert ours.video_s == pytest.approx(theirs.video_s, abs=FRAME_S)
    assert ours.audio_s == pytest.approx(ours.video_s, abs=0.05)
    for index in ours.frames:
        assert np.abs(ours.frames[index] - theirs.frames[index]).mean() < 3.0


@pytest.mark.parametrize(("start", "end"), [(3.3, 13.7), (18.3, 27.9)])
def test_a_smart_cut_shows_what_a_full_reencode_shows(talk_video: Path, tmp_path: Path,
                                                      start: float, end: float) -> None:
    """The second span crosses the hard cut at 21.5 s, where x264 put a keyframe of its own.
    Only the head and the last mini-GOP (x264's B-frames: at most 3 frames) are re-encoded."""
    plan = plan_smart_cut(talk_video, start, end)
    assert plan.head_frames and plan.middle_frames >= 150 and plan.tail_frames <= 3
    seen: list[float] = []
    smart = render_clip(talk_video, start, end, tmp_path / "smart.mp4", progress=seen.append)
    assert decoded(smart).tag == "avc3"  # the pieces were joined, not re-encoded
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert_same_clip(smart, full_reencode(talk_video, start, end, tmp_path / "full.mp4"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.mp4", "smart.mp4"]


def test_the_joins_show_the_frames_around_each_keyframe(talk_video: Path, tmp_path: Path
                                                        ) -> None:
    """The last re-encoded frame before the copy and the first copied one, the last copied
    one and the first of the tail: each equals the full re-encode's frame there."""
    plan = plan_smart_cut(talk_video, 5.52, 12.44)  # starts on a frame: no frame lost
    assert plan.tail_frames  # 12.44 s is inside a mini-GOP
    joins = (plan.head_frames - 1, plan.head_frames,
             plan.head_frames + plan.middle_frames - 1, plan.head_frames + plan.middle_frames)
    smart = render_clip(talk_video, 5.52, 12.44, tmp_path / "smart.mp4")
    reference = full_reencode(talk_video, 5.52, 12.44, tmp_path / "full.mp4")
    ours, theirs = decoded(smart, joins), decoded(reference, joins)
    for index in joins:
        assert np.abs(ours.frames[index] - theirs.frames[index]).mean() < 3.0
    assert decode_errors(smart) == ""


def test_a_span_starting_on_a_keyframe_has_no_head(talk_video: Path, tmp_path: Path) -> None:
    plan = plan_smart_cut(talk_video, 4.0, 9.3)
    assert plan.head_frames == 0 and plan.k1 == 4
    smart = render_clip(talk_video, 4.0, 9.3, tmp_path / "smart.mp4")
    assert_same_clip(smart, full_reencode(talk_video, 4.0, 9.3, tmp_path / "full.mp4"))


def test_a_span_inside_one_gop_is_reencoded_whole(talk_video: Path, tmp_path: Path) -> None:
    with pytest.raises(NoSmartCut, match="within one GOP"):
        plan_smart_cut(talk_video, 4.2, 5.6)
    clip = render_clip(talk_video, 4.2, 5.6, tmp_path / "short.mp4")
    assert decoded(clip).tag == "avc1" and decode_errors(clip) == ""


def small_copy(talk_video: Path, out: Path, *video: str) -> Path:
    """The talk's first 8 s at 320×180 with a keyframe every second, encoded with ``video``."""
    return run_ffmpeg([ffmpeg_exe(), "-v", "error", "-i", path_arg(talk_video), "-t", "8",
                       "-vf", "scale=320:180", *video, "-g", "25", "-c:a", "copy",
                       "-progress", "pipe:1", "-f", "mp4",
                       path_arg(out.with_name(out.name + ".part"))], out, 8.0)


def test_without_b_frames_nothing_after_the_first_keyframe_is_reencoded(talk_video: Path,
                                                                       tmp_path: Path) -> None:
    """Every packet ends a display-order prefix, so the copy runs to the asked end."""
    source = small_copy(talk_video, tmp_path / "nob.mp4", "-c:v", "libx264", "-bf", "0")
    plan = plan_smart_cut(source, 1.3, 6.1)
    assert (plan.head_frames, plan.k1, plan.tail_frames) == (17, 2, 0)  # 1.32–1.96 s
    clip = render_clip(source, 1.3, 6.1, tmp_path / "clip.mp4")
    assert_same_clip(clip, full_reencode(source, 1.3, 6.1, tmp_path / "full.mp4"))


def test_an_hevc_source_is_smart_cut_with_hevc_edges(talk_video: Path, tmp_path: Path) -> None:
    source = small_copy(talk_video, tmp_path / "hevc.mp4", "-c:v", "libx265", "-preset",
                        "ultrafast", "-x265-params", "log-level=error:open-gop=0")
    plan = plan_smart_cut(source, 1.3, 6.1)
    assert plan.head_frames and plan.middle_frames > 50
    clip = render_clip(source, 1.3, 6.1, tmp_path / "clip.mp4")
    assert decoded(clip).tag == "hev1"
    assert_same_clip(clip, full_reencode(source, 1.3, 6.1, tmp_path / "full.mp4"))


def test_open_gops_are_reencoded_whole(talk_video: Path, tmp_path: Path) -> None:
    """x265's default: keyframes are CRA pictures, whose leading frames need the GOP before."""
    source = small_copy(talk_video, tmp_path / "open.mp4", "-c:v", "libx265", "-preset",
                        "ultrafast", "-x265-params", "log-level=error")
    with pytest.raises(NoSmartCut, match="open GOP"):
        plan_smart_cut(source, 1.3, 6.1)
    clip = render_clip(source, 1.3, 6.1, tmp_path / "clip.mp4")
    assert decoded(clip).tag == "avc1" and decode_errors(clip) == ""


def test_a_source_that_is_not_h264_or_hevc_is_reencoded_whole(talk_video: Path,
                                                               tmp_path: Path) -> None:
    mpeg4 = small_copy(talk_video, tmp_path / "mpeg4.mp4", "-c:v", "mpeg4")
    with pytest.raises(NoSmartCut, match="mpeg4 video"):
        plan_smart_cut(mpeg4, 1.3, 6.1)
    clip = render_clip(mpeg4, 1.3, 6.1, tmp_path / "clip.mp4")
    assert decoded(clip).tag == "avc1" and decode_errors(clip) == ""


def test_cancelling_a_smart_cut_leaves_nothing(talk_video: Path, tmp_path: Path) -> None:
    from tests.test_jobs import ffmpeg_children

    cancelled = threading.Event()

    def cancel_midway(fraction: float) -> None:
        if fraction > 0.1:
            cancelled.set()

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(RenderCancelled):
        render_clip(talk_video, 3.3, 40.7, out, progress=cancel_midway, cancelled=cancelled)
    assert not ffmpeg_children(str(tmp_path))
    assert not list(tmp_path.iterdir())
