"""Cutting one span of a video into a clip file with ffmpeg.

Two modes:
  ``exact``  the clip starts and ends on the asked frame. A plain cut (no crop, no caption) is
             a smart cut where the source allows it (``smart_cut.py``: the source's packets
             copied from the first keyframe in the span, only the edges re-encoded); anything
             else, or a source that cannot be copied, is re-encoded whole (H.264 ``veryfast``
             + AAC).
  ``copy``   copies the streams: about 100× faster, but cuts snap to the nearest keyframes.
Exact mode can also reframe (any ``reframe.Picture``: a face-following window, or a layout's
framing from ``framing.py``) and draw captions over the picture (``burn_in.py``); both need
the re-encode, so copy mode refuses them.
The clip is written under a temporary name and renamed when complete, so a crash or a failed
render never leaves a half file that looks finished.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Literal

from shortory_core.clips.ffmpeg_run import (
    FractionCallback,
    RenderError,
    ffmpeg_exe,
    path_arg,
    run_ffmpeg,
)
from shortory_core.clips.ffmpeg_run import RenderCancelled as RenderCancelled
from shortory_core.clips.ffmpeg_run import start_ffmpeg as start_ffmpeg
from shortory_core.clips.reframe import Picture
from shortory_core.clips.smart_cut import (
    AAC_AUDIO,
    X264_QUALITY,
    NoSmartCut,
    plan_smart_cut,
    smart_cut,
)

Mode = Literal["exact", "copy"]
MIN_SPAN_S = 0.02  # shorter than any real frame: ffmpeg would write an mp4 with no frames
# A clip is for watching and posting: a source above 4K is scaled to fit 3840×2160 (same
# shape, even sides), which keeps an 8K render's memory that of a 4K one.
FIT_4K = ("scale=w='if(gt(iw,ih),min(iw,3840),-2)':h='if(gt(iw,ih),-2,min(ih,3840))'"
          ":force_divisible_by=2")
log = logging.getLogger(__name__)


def clip_command(source: Path, start: float, end: float, out: Path, mode: Mode,
                 crop: Picture | None = None, subtitles: str | None = None) -> list[str]:
    """The ffmpeg command line for one clip (input seeking: fast, and exact when re-encoding;
    the filters see ``t`` from 0 at the clip's start). ``subtitles`` is a filter drawn over
    the framed picture (``burn_in.caption_filter``)."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-ss", f"{start:.3f}", "-i", path_arg(source), "-t", f"{end - start:.3f}",
    ]
    if mode == "copy":
        command += ["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                    "-avoid_negative_ts", "make_zero"]
    else:
        chain = crop.filter("0:v", "framed") if crop else "[0:v]null[framed]"
        chain += f";[framed]{subtitles or 'null'}[shown];[shown]{FIT_4K}[v]"
        command += ["-filter_complex", chain, "-map", "[v]", "-map", "0:a:0?",
                    "-c:v", "libx264", *X264_QUALITY, "-pix_fmt", "yuv420p", *AAC_AUDIO]
    command += ["-movflags", "+faststart", "-progress", "pipe:1", "-nostats", "-f", "mp4",
                path_arg(out)]
    return command


def render_clip(
    source: Path,
    start: float,
    end: float,
    out: Path,
    *,
    mode: Mode = "exact",
    crop: Picture | None = None,
    subtitles: str | None = None,
    progress: FractionCallback | None = None,
    cancelled: threading.Event | None = None,
) -> Path:
    """Cut ``[start, end)`` seconds of ``source`` into ``out`` (mp4), reframed by ``crop``
    and with the ``subtitles`` filter drawn over it when given (see ``run_ffmpeg`` for
    cancelling)."""
    if not 0 <= start < end:
        raise RenderError(f"Empty or negative span {start:.3f}–{end:.3f} s: the start must "
                          "come before the end.")
    if end - start < MIN_SPAN_S:
        raise RenderError(f"The span {start:.3f}–{end:.3f} s is shorter than a frame; "
                          "give a longer one.")
    if mode == "copy" and (crop or subtitles):
        raise RenderError("A new frame or captions need exact mode (it re-encodes).")
    if not Path(source).is_file():
        raise RenderError(f"The source video is missing: {source}")
    if mode == "exact" and crop is None and subtitles is None:
        try:
            return smart_cut(plan_smart_cut(Path(source), start, end), out, progress=progress,
                             cancelled=cancelled)
        except NoSmartCut as why:  # the whole span is re-encoded instead
            log.info("Re-encoding %s %.3f–%.3f s whole: %s", source, start, end, why)
    run_ffmpeg(clip_command(Path(source), start, end, out.with_name(out.name + ".part"), mode,
                            crop, subtitles),
               out, end - start, progress=progress, cancelled=cancelled,
               what=f"cutting {start:.1f}–{end:.1f} s")
    return out
