from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from shortory_core.errors import SourceError
from shortory_core.sources.video_file import probe_video


def test_probe_reads_a_real_video(short_video: Path) -> None:
    info = probe_video(short_video)
    assert info.duration == pytest.approx(3.0, abs=0.05)
    assert (info.width, info.height, info.fps, info.has_audio) == (640, 360, 25.0, True)


def test_probe_reads_a_silent_fixture_clip() -> None:
    clip = Path(__file__).resolve().parents[1] / "shortory_core/demo/assets/reaction_smile_man.mp4"
    info = probe_video(clip)
    assert info.has_audio is False and info.duration == pytest.approx(3.12, abs=0.05)


def test_truncated_video_is_a_clear_error(short_video: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(short_video.read_bytes()[: 20_000])
    with pytest.raises(SourceError, match=r"not a readable video|no decodable"):
        probe_video(broken)


def test_random_bytes_are_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).bytes(50_000))
    with pytest.raises(SourceError, match="not a readable video"):
        probe_video(junk)


def test_audio_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100, layout="mono")
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="flt",
                                               layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 44100, i * 1024, Fraction(1, 44100)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(SourceError, match="no video stream"):
        probe_video(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="No such video"):
        probe_video(tmp_path / "nope.mp4")
