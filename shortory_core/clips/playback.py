"""Whether the browsers play a video file well as it is, and if not, the cheapest fix.

A preview costs minutes of ffmpeg when it re-encodes, so it is made only for a reason a browser
has: a codec it cannot decode (HEVC, ProRes, MPEG-2, MPEG-4 part 2, Windows Media), colour it
does not take everywhere (10-bit, 4:2:2, 4:4:4), a picture or a bitrate too heavy to play beside
the charts, or a file too big for Streamlit's media store, which holds the whole file in the
server's memory and reads it again on every rerun. A playable codec in a container the browsers
refuse (``.mkv``, ``.mov``, ``.avi``) or with a sound they cannot decode (AC-3, PCM) only needs a
remux into MP4: the video copied as it is, seconds instead of minutes. A 240p H.264 MP4 of
137 MB plays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import av

# Chromium, Firefox and Safari all decode these (Safari AV1 only on hardware that has a decoder).
PLAYABLE_VIDEO = frozenset({"h264", "vp9", "av1"})
MP4_AUDIO = frozenset({"aac", "mp3"})  # every browser plays these from an MP4
WEBM_VIDEO, WEBM_AUDIO = frozenset({"vp9", "av1"}), frozenset({"opus", "vorbis"})
PLAIN_PIXELS = frozenset({"yuv420p", "yuvj420p", "nv12"})  # 8-bit 4:2:0
MAX_SHORT_SIDE = 1080  # above 1080p, decoding the picture competes with the page's charts
MAX_MBIT_S = 30.0  # above a 1080p phone recording or a Blu-ray's average: a camera master
# st.video reads the whole file into the server's memory on every rerun (measured: about
# 100 ms for 137 MB and 200 ms for 250 MB, warm) and keeps one copy while it is shown.
MAX_AS_IS_MB = 200.0

CODEC_NAMES = {  # as people know them; PCM sound of any sample format is "pcm"
    "h264": "H.264", "vp9": "VP9", "av1": "AV1", "aac": "AAC", "mp3": "MP3", "opus": "Opus",
    "vorbis": "Vorbis", "pcm": "PCM",
    "hevc": "HEVC (H.265)", "prores": "ProRes", "mpeg2video": "MPEG-2", "mpeg1video": "MPEG-1",
    "mpeg4": "MPEG-4 part 2", "msmpeg4v3": "Windows Media (MS MPEG-4)", "wmv1": "Windows Media",
    "wmv2": "Windows Media", "wmv3": "Windows Media", "vc1": "VC-1", "mjpeg": "Motion JPEG",
    "dnxhd": "DNxHD", "vp8": "VP8", "h263": "H.263", "ac3": "AC-3", "eac3": "E-AC-3",
    "dts": "DTS", "truehd": "Dolby TrueHD",
}


class Fix(StrEnum):
    """What a preview has to do: copy the streams into MP4, or re-encode the picture."""

    REMUX = "remux"
    TRANSCODE = "transcode"


@dataclass(frozen=True)
class StreamFacts:
    """What decides whether a browser plays a file, read from its headers (nothing decoded)."""

    container: str  # mp4, mov, webm, mkv, avi, or ffmpeg's name for another
    video_codec: str
    pixel_format: str
    bit_depth: int
    chroma: str  # "4:2:0", "4:2:2", "4:4:4", or "" for a format without chroma planes
    width: int
    height: int
    audio_codec: str  # "" for a silent video
    megabytes: float
    mbit_s: float  # the whole file's average


@dataclass(frozen=True)
class PreviewNeed:
    """Why the original is not shown as it is, and the cheapest preview that fixes it."""

    fix: Fix
    reason: str  # shown to the user: "HEVC (H.265) does not play in most browsers"
    copy_audio: bool = True  # a remux keeps the sound as it is (else it becomes AAC)


def preview_need(facts: StreamFacts) -> PreviewNeed | None:
    """``None`` when the browsers play the file well as it is; else what to make and why.

    Every reason that forces a re-encode is given; a remux is chosen only when none does."""
    codec = CODEC_NAMES.get(facts.video_codec, facts.video_codec.upper())
    transcode = [
        f"{codec} does not play in most browsers"
        if facts.video_codec not in PLAYABLE_VIDEO else "",
        _colour_reason(facts) if facts.pixel_format not in PLAIN_PIXELS else "",
        f"{facts.width}×{facts.height} is heavier than 1080p to play beside the charts"
        if min(facts.width, facts.height) > MAX_SHORT_SIDE else "",
        f"{facts.mbit_s:.0f} Mbit/s would stall the player"
        if facts.mbit_s > MAX_MBIT_S else "",
        f"the server would hold all {facts.megabytes:,.0f} MB of it in memory"
        if facts.megabytes > MAX_AS_IS_MB else "",
    ]
    if any(transcode):
        return PreviewNeed(Fix.TRANSCODE, "; ".join(r for r in transcode if r))
    copy_audio = not facts.audio_codec or facts.audio_codec in MP4_AUDIO
    remux = [r for r in (_container_reason(facts, codec), _sound_reason(facts)) if r]
    return PreviewNeed(Fix.REMUX, "; ".join(remux), copy_audio) if remux else None


def _container_reason(facts: StreamFacts, codec: str) -> str:
    if facts.container == "mp4" or (facts.container == "webm" and facts.video_codec in WEBM_VIDEO):
        return ""
    if facts.container == "webm":
        return f"{codec} in a .webm file does not play in every browser"
    return f"a .{facts.container} file does not play in every browser"


def _sound_reason(facts: StreamFacts) -> str:
    """The sound's own reason; Opus or Vorbis in a .mkv is remuxed for its container alone."""
    sound = CODEC_NAMES.get(facts.audio_codec.split("_")[0], facts.audio_codec.upper())
    if facts.audio_codec and facts.audio_codec not in MP4_AUDIO | WEBM_AUDIO:
        return f"its {sound} sound does not play in every browser"
    if facts.container == "mp4" and facts.audio_codec in WEBM_AUDIO:
        return f"{sound} sound in an .mp4 does not play in every browser"
    return ""


def _colour_reason(facts: StreamFacts) -> str:
    if facts.bit_depth > 8:
        return f"{facts.bit_depth}-bit colour does not play in every browser"
    kind = f"{facts.chroma} colour" if facts.chroma else f"{facts.pixel_format} pixels"
    return f"{kind} does not play in every browser"


def probe_facts(path: Path, duration: float) -> StreamFacts:
    """The facts of ``path`` (``duration`` in seconds, as probed when it was added). Cached
    per file version: the pages ask on every rerun and the headers do not change."""
    stat = path.stat()
    return _probe(str(path), stat.st_size, stat.st_mtime_ns, duration)


@lru_cache(maxsize=64)
def _probe(path: str, size: int, _mtime_ns: int, duration: float) -> StreamFacts:
    with av.open(path) as container:
        video = container.streams.video[0].codec_context
        audio = container.streams.audio
        pixels = video.format
        planes = pixels.components if pixels is not None else ()
        chroma = ""
        if len(planes) >= 3 and not pixels.is_rgb:
            across, down = video.width // max(planes[1].width, 1), video.height // max(
                planes[1].height, 1)
            chroma = {(2, 2): "4:2:0", (2, 1): "4:2:2", (1, 1): "4:4:4"}.get((across, down), "")
        return StreamFacts(
            container=_container_kind(container.format.name, Path(path).suffix.lower()),
            video_codec=video.codec.canonical_name,
            pixel_format=pixels.name if pixels is not None else "",
            bit_depth=max((plane.bits for plane in planes), default=8),
            chroma=chroma,
            width=int(video.width), height=int(video.height),
            audio_codec=audio[0].codec_context.codec.canonical_name if audio else "",
            megabytes=size / 1e6,
            mbit_s=size * 8 / 1e6 / duration if duration > 0 else 0.0,
        )


def _container_kind(format_name: str, suffix: str) -> str:
    """ffmpeg names MP4 and QuickTime as one demuxer, and Matroska and WebM as another; the
    browsers tell them apart, so the file's suffix decides within each."""
    if format_name.startswith("mov,mp4"):
        return "mov" if suffix == ".mov" else "mp4"
    if format_name.startswith("matroska"):
        return "webm" if suffix == ".webm" else "mkv"
    return format_name.split(",")[0]
