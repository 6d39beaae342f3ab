"""Speech captions burned by ffmpeg's libass into real face video: every caption pixel inside
the layout's safe area, the highlight moving with the spoken word, Korean and long Latin text
wrapped to fit, and the filter surviving a path full of filtergraph syntax."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from shortory_core.clips.burn_in import (
    STYLES,
    ass_document,
    caption_filter,
    font_folder,
    write_ass,
)
from shortory_core.clips.layouts import LAYOUTS, Layout
from shortory_core.clips.render import ffmpeg_exe, path_arg, run_ffmpeg
from shortory_core.clips.subtitles import speech_cues
from shortory_core.speech.words import Word
from tests.conftest import FACE_CLIPS, SPEECH
from tests.test_subtitles import MIT_OPENING

CLIP_S = 4.0
KOREAN = ["안녕하세요", "여러분", "오늘은", "정말", "놀라운", "소식을", "전해드리겠습니다"]
LATIN = ["Supercalifragilisticexpialidocious", "internationalization", "responsibilities",
         "notwithstanding"]
TITLE = "surprise + fused + happy + angry + sad · 0.82 · 끝까지 봐주세요 정말 놀라운 순간 😀"
# Yellow: the bold centred preset's spoken word, which no other caption pixel is.
HIGHLIGHT = np.array([0xFF, 0xD6, 0x00])


def spoken(texts: list[str], step: float = 0.5) -> list[Word]:
    return [Word(step * n, step * n + step - 0.05, text) for n, text in enumerate(texts)]


@pytest.fixture(scope="module")
def face_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real face (the demo's webcam recording) as a 1080×1920 and a 1920×1080 clip with the
    MIT reading as its sound, ``CLIP_S`` long."""
    folder = tmp_path_factory.mktemp("faces")
    clips = {}
    for name, frame in (("9:16", "scale=1080:1920"),
                        ("16:9", "crop=720:405,scale=1920:1080")):
        out = folder / f"{name.replace(':', 'x')}.mp4"
        clips[name] = run_ffmpeg([
            ffmpeg_exe(), "-v", "error", "-y",
            "-i", path_arg(FACE_CLIPS / "reaction_webcam_glasses.mp4"),
            "-i", path_arg(SPEECH / "multilingual.mp3"),
            "-filter_complex", f"[0:v]{frame},setsar=1,fps=25[v]", "-map", "[v]", "-map", "1:a",
            "-t", str(CLIP_S), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-progress", "pipe:1", "-nostats",
            "-f", "mp4", path_arg(out.with_name(out.name + ".part"))], out, CLIP_S,
            what="making a face clip")
    return clips


def frame_at(clip: Path, t: float, size: tuple[int, int], out: Path,
             chain: str = "null") -> np.ndarray:
    """The frame shown at ``t`` s, through the filter ``chain`` (which sees the clip's own
    times: the seek is after the filters)."""
    run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", "-i", path_arg(clip),
                "-filter_complex", f"[0:v]{chain}[v]", "-map", "[v]", "-ss", f"{t:.3f}",
                "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
                "-progress", "pipe:1", "-nostats", path_arg(out.with_name(out.name + ".part"))],
               out, 1.0, what="grabbing a frame")
    return np.fromfile(out, np.uint8).reshape(size[1], size[0], 3)


def safe_box(size: tuple[int, int], layout: Layout) -> tuple[float, float, float, float]:
    top, bottom, left, right = layout.safe
    return size[0] * left, size[1] * top, size[0] * (1 - right), size[1] * (1 - bottom)


def assert_inside(mask: np.ndarray, box: tuple[float, float, float, float],
                  slack: float = 1.0) -> None:
    ys, xs = np.nonzero(mask)
    assert xs.size, "nothing drawn"
    left, top, right, bottom = box
    assert xs.min() >= left - slack and xs.max() <= right + slack, (xs.min(), xs.max(), box)
    assert ys.min() >= top - slack and ys.max() <= bottom + slack, (ys.min(), ys.max(), box)


def lit(frame: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Caption pixels in the highlight colour."""
    return drawn & (np.abs(frame.astype(int) - HIGHLIGHT).max(axis=2) < 60)


@pytest.mark.parametrize(("layout", "words"), [
    ("9:16", KOREAN), ("9:16", LATIN), ("16:9", KOREAN), ("16:9", LATIN)])
def test_captions_stay_in_the_safe_area_and_follow_the_voice(
        face_clips: dict[str, Path], tmp_path: Path, layout: str, words: list[str]) -> None:
    size = LAYOUTS[layout].output
    cues = speech_cues(spoken(words), 0.0, CLIP_S)
    ass = write_ass(tmp_path / "c.ass", cues, size, LAYOUTS[layout], "bold centred",
                    duration=CLIP_S, title=TITLE)
    chain = caption_filter(ass, font_folder(tmp_path / "fonts"))
    clip = face_clips[layout]
    plain = frame_at(clip, 0.25, size, tmp_path / "plain.raw")
    first = frame_at(clip, 0.25, size, tmp_path / "first.raw", chain)  # word 1 spoken
    # A frame of the same picture has the same caption pixels whatever word is lit.
    third = frame_at(clip, 1.25, size, tmp_path / "third.raw", chain)  # word 3 spoken
    drawn = np.abs(first.astype(int) - plain).max(axis=2) > 40
    box = safe_box(size, LAYOUTS[layout])
    assert_inside(drawn, box)
    # The title sits on top of the safe area, the speech below it.
    assert np.nonzero(drawn)[0].min() < box[1] + size[1] * 0.05
    assert drawn[int(box[1] + size[1] * 0.1):].sum() > 2000
    lit_first = lit(first, drawn)
    lit_third = lit(third, np.abs(third.astype(int) - frame_at(
        clip, 1.25, size, tmp_path / "plain3.raw")).max(axis=2) > 40)
    assert lit_first.sum() > 300 and lit_third.sum() > 300
    assert_inside(lit_third, box)
    moved = np.hypot(*(np.argwhere(lit_first).mean(axis=0) - np.argwhere(lit_third).mean(axis=0)))
    assert moved > 40, f"the highlight stayed put ({moved:.0f} px)"


def test_real_speech_burned_after_the_crop_and_scale_through_an_awkward_path(
        face_clips: dict[str, Path], tmp_path: Path) -> None:
    """The lead's chain: crop a 16:9 source to 9:16, scale it to 1080×1920, then the captions
    of the fixture's real word times, from a folder whose name has ``: ' , [ ;``."""
    import av

    folder = tmp_path / "it's: a, [odd]; folder"
    start = 0.3
    cues = speech_cues(MIT_OPENING, start, start + 3.5)
    layout = LAYOUTS["9:16"]
    ass = write_ass(folder / "short.ass", cues, layout.output, layout, "lower third",
                    duration=3.5)
    out = tmp_path / "short.mp4"
    burn = caption_filter(ass, font_folder(folder))
    chain = f"[0:v]crop=608:1080,scale=1080:1920,setsar=1,{burn}[v]"
    run_ffmpeg([ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{start}", "-i",
                path_arg(face_clips["16:9"]), "-t", "3.5", "-filter_complex", chain,
                "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14",
                "-progress", "pipe:1", "-nostats", "-f", "mp4",
                path_arg(out.with_name(out.name + ".part"))], out, 3.5, what="burning")
    with av.open(str(out)) as container:
        frames = {round(f.time, 2): f.to_ndarray(format="rgb24") for f in container.decode(video=0)}
    # "hereby" is spoken 0.34–0.64 s into the short, "granted," 0.64–1.02 s.
    cyan = np.array([0x5C, 0xE1, 0xFF])  # the lower third's spoken word
    centres = []
    for t in (0.48, 0.84):
        frame = frames[t]
        mask = np.abs(frame.astype(int) - cyan).max(axis=2) < 50
        assert mask.sum() > 200
        assert_inside(mask, safe_box(layout.output, layout), slack=4)
        centres.append(np.argwhere(mask).mean(axis=0))
    assert centres[1][1] - centres[0][1] > 60  # "granted," is right of "hereby"


def test_the_no_speech_style_draws_only_the_title() -> None:
    layout = LAYOUTS["4:5"]
    cues = speech_cues(spoken(LATIN), 0.0, 3.0)
    doc = ass_document(cues, layout.output, layout, STYLES["none"], duration=3.0, title=TITLE)
    assert [line.split(",")[3] for line in doc.splitlines() if line.startswith("Dialogue")] \
        == ["Title"]
    assert "Dialogue" not in ass_document([], layout.output, layout, duration=3.0)


def test_long_title_takes_two_lines_and_drops_what_no_font_draws() -> None:
    layout = LAYOUTS["9:16"]
    doc = ass_document([], layout.output, layout, duration=3.0, title=TITLE * 3)
    (title,) = [line for line in doc.splitlines() if line.startswith("Dialogue")]
    text = re.sub(r"\{[^}]*\}", "", title.split(",,", 1)[1].split(",", 4)[-1])
    assert text.count("\\N") == 1 and text.endswith("…")
    assert "😀" not in doc
    escaped = ass_document(speech_cues(spoken(["{\\N}", "a\\b"]), 0.0, 2.0), layout.output,
                           layout, duration=2.0)
    assert "\\{\\\u2060N\\}" in escaped  # shown as typed: no override block, no line break
