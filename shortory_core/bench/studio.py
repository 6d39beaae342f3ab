"""Studio speed: a slider change on a 2-hour timeline, cutting five 20 s clips, and making five
20 s captioned 9:16 shorts at 1080×1920, the last two against moviepy with its defaults doing
the same, all in one process on the same data.

The timeline is synthetic but shaped like real use: three viewers sampled 5 times a second on a
10 Hz grid (noise, laughs, a look away) and a few thousand comment mentions. The clip source is
the real 720×1280 webcam recording, looped and letterboxed to a 1280×720 video with sound.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import plotly.io as pio

from shortory_core.bench.comments import DURATION_S, synthetic_comments
from shortory_core.bench.timing import median_seconds, report
from shortory_core.bench.vision import WEBCAM_720P
from shortory_core.charts.studio import MAX_POINTS, studio_figure
from shortory_core.clips.burn_in import caption_filter, caption_font, font_folder, write_ass
from shortory_core.clips.framing import Framing, plan_framing
from shortory_core.clips.layouts import LAYOUTS
from shortory_core.clips.render import (
    clip_command,
    ffmpeg_exe,
    path_arg,
    render_clip,
    run_ffmpeg,
)
from shortory_core.clips.subtitles import speech_cues, write_srt
from shortory_core.highlights.peaks import PeakOptions, find_highlights, fused_score
from shortory_core.highlights.timeline import ProjectTimeline
from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.comment_moments import extract_mentions
from shortory_core.signals.grid import grid
from shortory_core.signals.mentions_by_time import MentionsByTime
from shortory_core.signals.registry import SIGNALS
from shortory_core.sources.video_file import probe_video
from shortory_core.speech.words import Word

HOURS = DURATION_S / 3600
CLIPS = [(3.0 + 20 * i, 23.0 + 20 * i) for i in range(5)]
SHORT = LAYOUTS["9:16"]
TITLE = "happy · 91 — 이 장면 진짜 웃기다 10:43, the best part of the stream"


def long_timeline(seconds: float = HOURS * 3600, seed: int = 0) -> ProjectTimeline:
    """A 10 Hz timeline with reactions all along and comment mentions in bursts."""
    rng = np.random.default_rng(seed)
    t = grid(seconds, 0.1)
    emotions = {}
    for emotion in PRODUCT_EMOTIONS:
        base = np.clip(0.1 + 0.05 * rng.standard_normal(len(t)), 0, 1)
        for centre in rng.uniform(0, seconds, 60):  # a reaction every two minutes or so
            base += 0.7 * np.exp(-((t - centre) / 3.0) ** 2)
        emotions[emotion] = np.clip(base, 0, 1)
    attention = np.clip(0.9 - 0.6 * (rng.random(len(t)) < 0.02), 0, 1)
    comments = np.zeros(len(t))
    np.add.at(comments, rng.integers(0, len(t), 5000), 10.0)
    values = emotions | {"attention": attention, "viewers": np.full(len(t), 3.0),
                         "comments": comments}
    unknown = {s.name: np.full(len(t), np.nan) for s in SIGNALS if s.name not in values}
    return ProjectTimeline(t, tuple(SIGNALS), values | unknown)  # no replays, no speech


def slider_change(timeline: ProjectTimeline, mentions: MentionsByTime, thin: bool) -> str:
    """What the studio does when a slider moves: peaks, the fused score, each peak's nearby
    comments, the figure and its JSON for the browser (``thin=False`` draws every bin, the
    baseline)."""
    options = PeakOptions(prominence=0.15)
    window = max(round(options.smoothing_s / timeline.step), 1)
    peaks = find_highlights(timeline, options)
    for peak in peaks:
        mentions.nearby(peak.start, peak.end)
    fused = fused_score(timeline, options.weights, window)
    figure = studio_figure(timeline, fused, peaks, window,
                           max_points=MAX_POINTS if thin else len(timeline.t))
    return pio.to_json(figure)


def clip_source(path: Path, seconds: float = 110.0) -> Path:
    """A 1280×720 H.264 + AAC video of a real webcam recording, looped, with a tone."""
    return run_ffmpeg([
        ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1", "-i", path_arg(WEBCAM_720P),
        "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100",
        "-filter_complex", "[0:v]scale=-2:720,pad=1280:720:(ow-iw)/2:0:color=0x303040[v]",
        "-map", "[v]", "-map", "1:a", "-t", str(seconds), "-c:v", "libx264",
        "-preset", "veryfast", "-crf", "21", "-c:a", "aac", "-progress", "pipe:1", "-nostats",
        "-f", "mp4", path_arg(path.with_name(path.name + ".part"))], path, seconds,
        what="making the benchmark's source video")


def moviepy_clips(source: Path, folder: Path) -> None:
    from moviepy import VideoFileClip

    for index, (start, end) in enumerate(CLIPS):
        with VideoFileClip(str(source)) as video:  # defaults, as the older tools call it
            video.subclipped(start, end).write_videofile(
                str(folder / f"moviepy-{index}.mp4"), audio_codec="aac", logger=None)


def shortory_clips(source: Path, folder: Path) -> None:
    """Exact clips as the app makes them: smart cuts where the source allows."""
    for index, (start, end) in enumerate(CLIPS):
        render_clip(source, start, end, folder / f"shortory-{index}.mp4")


def reencoded_clips(source: Path, folder: Path) -> None:
    """Exact clips re-encoded whole, as before the smart cut (and as crops and captions are)."""
    for index, (start, end) in enumerate(CLIPS):
        out = folder / f"reencoded-{index}.mp4"
        run_ffmpeg(clip_command(source, start, end, out.with_name(out.name + ".part"), "exact"),
                   out, end - start)


def megabytes(folder: Path, pattern: str) -> float:
    return sum(path.stat().st_size for path in folder.glob(pattern)) / 1e6


def spoken_words(seconds: float) -> list[Word]:
    """A word every 0.4 s, in phrases of eight with a pause after each: speech to caption
    (the bench measures drawing captions, not hearing them)."""
    text = ["the", "best", "part", "of", "the", "stream", "이", "장면", "진짜"]
    return [Word(t, t + 0.32, text[i % len(text)])
            for i, t in enumerate(np.arange(0.2, seconds - 0.5, 0.4)) if i % 9 != 8]


def shortory_shorts(source: Path, folder: Path) -> list[Framing]:
    """Our 9:16 shorts at 1080×1920 with speech captions (the spoken word highlighted, one
    drawing per word) and a title, the face looked for in each span as the render job does;
    returns each short's framing, so the baseline can be given the very same crop."""
    framings = []
    info = probe_video(source)
    for index, (start, end) in enumerate(CLIPS):
        framing = plan_framing(source, start, end, SHORT, info.width, info.height)
        assert framing is not None
        cues = speech_cues(spoken_words(end - start), 0.0, end - start)
        document = write_ass(folder / f"short-{index}.ass", cues, framing.size, SHORT,
                             duration=end - start, title=TITLE)
        render_clip(source, start, end, folder / f"short-{index}.mp4", crop=framing,
                    subtitles=caption_filter(document, font_folder(folder / "fonts")))
        framings.append(framing)
    return framings


def moviepy_shorts(source: Path, folder: Path, framings: list[Framing]) -> None:
    """moviepy with its defaults doing the same: crop where our framing held its window (the
    bench's speaker sits still, so our window never moves), resize, the same cues as
    subtitles (whole cues, no word lit: less than ours draws) and the title as text."""
    from moviepy import CompositeVideoClip, TextClip, VideoFileClip
    from moviepy.video.tools.subtitles import SubtitlesClip

    font = str(caption_font().path)
    width, height = SHORT.output
    for index, ((start, end), framing) in enumerate(zip(CLIPS, framings, strict=True)):
        [pane] = framing.panes
        cues = write_srt(speech_cues(spoken_words(end - start), 0.0, end - start),
                         folder / f"moviepy-{index}.srt")
        with VideoFileClip(str(source)) as video:
            picture = video.subclipped(start, end).cropped(
                x1=float(pane.xs[0]), y1=float(pane.ys[0]), width=pane.width,
                height=pane.height).resized((width, height))
            said = SubtitlesClip(str(cues), make_textclip=lambda text: TextClip(
                font=font, text=text, font_size=96, color="white", stroke_color="black",
                stroke_width=6, method="caption", size=(int(width * 0.8), None)),
                encoding="utf-8").with_position(("center", int(height * 0.6)))
            title = TextClip(font=font, text=TITLE, font_size=54, color="white",
                             stroke_color="black", stroke_width=4, method="caption",
                             size=(int(width * 0.8), None), duration=picture.duration
                             ).with_position(("center", int(height * 0.1)))
            CompositeVideoClip([picture, said, title]).write_videofile(
                str(folder / f"moviepy-short-{index}.mp4"), audio_codec="aac", logger=None,
                temp_audiofile_path=str(folder))  # its scratch sound file, out of the cwd


def run() -> str:
    timeline = long_timeline()
    mentions = MentionsByTime(extract_mentions(synthetic_comments(), DURATION_S))
    thin = median_seconds(lambda: slider_change(timeline, mentions, thin=True), 3)
    full = median_seconds(lambda: slider_change(timeline, mentions, thin=False), 1,
                          warm_up=False)
    lines = [report(
        f"slider change on a {HOURS:.0f}-hour timeline at 10 Hz ({len(timeline.t):,} bins, "
        f"{len(mentions):,} comment mentions): peaks + fused score + nearby comments + figure "
        "JSON",
        [("every bin drawn", full), ("shortory (peaks on every bin, drawing thinned)", thin)],
        baseline="every bin drawn", ours="shortory (peaks on every bin, drawing thinned)",
    ) + f"\n  target: under 300 ms → {thin * 1000:.0f} ms"]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = clip_source(folder / "source720p.mp4")
        ours = median_seconds(lambda: shortory_clips(source, folder), 1, warm_up=False)
        whole = median_seconds(lambda: reencoded_clips(source, folder), 1, warm_up=False)
        try:
            baseline = median_seconds(lambda: moviepy_clips(source, folder), 1, warm_up=False)
        except ImportError:
            lines.append("== five 20 s clips: moviepy is not installed (requirements-dev.txt)")
            return "\n\n".join(lines)
        lines.append(report(
            "five 20 s clips from a 720p source, exact cuts with audio",
            [("moviepy defaults (libx264 medium)", baseline),
             ("shortory exact, re-encoded whole (veryfast)", whole),
             ("shortory exact, smart cut", ours)],
            baseline="moviepy defaults (libx264 medium)", ours="shortory exact, smart cut",
        ) + f"\n  re-encoded whole: {baseline / whole:.1f}x; target: ≥ 5×"
          f"\n  files: smart cut {megabytes(folder, 'shortory-*.mp4'):.1f} MB, re-encoded "
          f"whole {megabytes(folder, 'reencoded-*.mp4'):.1f} MB, moviepy "
          f"{megabytes(folder, 'moviepy-*.mp4'):.1f} MB")

        framings: list[Framing] = []
        ours = median_seconds(lambda: framings.extend(shortory_shorts(source, folder)), 1,
                              warm_up=False)
        baseline = median_seconds(lambda: moviepy_shorts(source, folder, framings), 1,
                                  warm_up=False)
        lines.append(report(
            "five 20 s 9:16 shorts at 1080×1920 from a 720p source, reframed, with speech "
            "captions and a title",
            [("moviepy defaults (crop, resize, SubtitlesClip, TextClip)", baseline),
             ("shortory (face look + crop, lanczos, libass word by word)", ours)],
            baseline="moviepy defaults (crop, resize, SubtitlesClip, TextClip)",
            ours="shortory (face look + crop, lanczos, libass word by word)",
        ) + "\n  target: ≥ 3×")
    return "\n\n".join(lines)
