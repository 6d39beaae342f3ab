"""Exact cuts that re-encode only their edges: the smart cut.

A plain exact clip (no crop, no caption, the source's own size) is made of three pieces:

    head    [start, K1)  re-encoded: from the asked frame to the first keyframe in the span
    middle  [K1, M)      the source's own packets, copied without decoding, from K1 up to the
                         last point before the end where the frames decoded so far are exactly
                         those shown so far (with B-frames: the end of a mini-GOP)
    tail    [M, end)     re-encoded: the few frames left (often none)

The edges are encoded with the source's codec, profile, level, pixel format and colour (size,
SAR and frame times come through the decoder untouched), into MPEG-TS, where every IDR frame
carries its parameter sets in-band; the middle is remuxed into MPEG-TS the same way (ffmpeg's
``mp4toannexb`` puts the source's SPS/PPS before each of its IDR frames). A decoder therefore
meets each piece's own parameter sets at its first frame, so the joins decode even though an
encoder never writes the source's sets byte for byte. The pieces are joined by ffmpeg's concat
demuxer without re-encoding and muxed with the span's sound, re-encoded to AAC, into the mp4
(sample entry ``avc3``/``hev1``: parameter sets in-band).

Keyframes come from the packets' flags (PyAV demuxing, no decoding), read only around the span.
When the source cannot be copied safely the caller falls back to the full re-encode:
``NoSmartCut`` says why.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

import av

from shortory_core.clips.ffmpeg_run import (
    FractionCallback,
    RenderCancelled,
    ffmpeg_exe,
    path_arg,
    run_ffmpeg,
)

# The house's exact-mode encoding, shared with the full re-encode so both look alike.
X264_QUALITY = ("-preset", "veryfast", "-crf", "20")
AAC_AUDIO = ("-c:a", "aac", "-b:a", "160k")
MAX_SIDE = 3840  # a larger source is scaled down by the full re-encode (render.FIT_4K)
ENCODING_SHARE = 0.95  # of the progress: the join after it only copies
INTERLACED = {"tt", "bb", "tb", "bt"}


class NoSmartCut(Exception):
    """The span cannot be smart-cut; the message says why (the full re-encode takes over)."""


@dataclass(frozen=True)
class Codec:
    """What re-encodes the edges of one source codec, and how its pieces are recognised."""

    encoder: str
    profiles: dict[str, str]  # PyAV's profile name → the encoder's
    pix_fmts: dict[str, str]  # the source's pixel format → the one the edges are encoded in
    mp4_tag: str  # the sample entry that says parameter sets are in-band
    idr_types: frozenset[int]

    def nal_type(self, header: int) -> int:
        return header & 0x1F if self.encoder == "libx264" else (header >> 1) & 0x3F

    def length_size(self, extradata: bytes | None) -> int | None:
        """Bytes of each NAL unit's length in mp4-style packets, or None for Annex B ones."""
        if not extradata or extradata[0] != 1:
            return None
        return (extradata[4 if self.encoder == "libx264" else 21] & 3) + 1

    def level_args(self, level: int) -> list[str]:
        if level <= 0:
            return []
        if self.encoder == "libx264":  # level_idc is ten times the level
            return ["-level:v", f"{level / 10:g}"]
        return ["-x265-params", f"level-idc={level / 30:g}:log-level=error"]


CODECS = {
    "h264": Codec("libx264",
                  {"Constrained Baseline": "baseline", "Baseline": "baseline", "Main": "main",
                   "High": "high"},
                  {"yuv420p": "yuv420p", "yuvj420p": "yuv420p"}, "avc3", frozenset({5})),
    "hevc": Codec("libx265", {"Main": "main", "Main 10": "main10"},
                  {"yuv420p": "yuv420p", "yuvj420p": "yuv420p",
                   "yuv420p10le": "yuv420p10le"}, "hev1", frozenset({19, 20})),
}


@dataclass(frozen=True)
class SmartPlan:
    """Where one span's pieces lie, in seconds from the video's start (frame times exact)."""

    source: Path
    codec: Codec
    encode_args: tuple[str, ...]  # profile, level, pixel format, colour of the edges
    start: Fraction  # the asked start and length, rounded to the millisecond as ffmpeg is told
    duration: Fraction
    first: Fraction  # the first frame in the span
    k1: Fraction  # the first keyframe in the span: the copied middle starts here...
    copy_end: Fraction  # ...and shows every frame before this one, where the tail starts
    head_frames: int
    middle_frames: int
    tail_frames: int
    time_base: Fraction
    has_audio: bool


@dataclass(frozen=True)
class _Packet:
    t: Fraction  # presentation time, seconds from the container's start
    key: bool
    idr: bool


def plan_smart_cut(source: Path, start: float, end: float) -> SmartPlan:
    """The pieces of ``[start, end)``, or ``NoSmartCut`` saying why the source or span cannot
    be copied (codec, pixel format, rotation, no whole GOP in the span, open GOPs)."""
    begin = Fraction(f"{start:.3f}")
    duration = Fraction(f"{end - start:.3f}")
    finish = begin + duration
    try:
        with av.open(str(source)) as container:
            if not container.streams.video:
                raise NoSmartCut("the source has no video")
            stream = container.streams.video[0]
            codec, encode_args = _edge_encoding(container, stream)
            packets = _scan(container, stream, codec, begin, finish)
            has_audio = bool(container.streams.audio)
    except av.FFmpegError as error:  # damaged: the full re-encode says how, in ffmpeg's words
        raise NoSmartCut(f"the source cannot be read ({error})") from error
    return _split(source, codec, encode_args, begin, duration, packets, stream.time_base,
                  has_audio)


def _edge_encoding(container: av.container.InputContainer, stream: av.VideoStream
                   ) -> tuple[Codec, tuple[str, ...]]:
    """The codec and encoder options whose output can sit beside this stream's packets."""
    context = stream.codec_context
    codec = CODECS.get(context.name)
    if codec is None:
        raise NoSmartCut(f"{context.name} video cannot be copied in part (only H.264 and HEVC)")
    profile = codec.profiles.get(context.profile or "")
    if profile is None:
        raise NoSmartCut(f"the {context.name} profile {context.profile!r} is not re-encoded")
    pix_fmt = codec.pix_fmts.get(context.pix_fmt or "")
    if pix_fmt is None:
        raise NoSmartCut(f"the pixel format {context.pix_fmt} is not re-encoded in part")
    if max(context.width, context.height) > MAX_SIDE:
        raise NoSmartCut("the source is larger than 4K, and clips are scaled to fit it")
    if context.field_order in INTERLACED:
        raise NoSmartCut("the source is interlaced")
    first = next(container.decode(stream), None)
    if first is None:
        raise NoSmartCut("the source's video has no frame")
    if round(first.rotation or 0) % 360:
        raise NoSmartCut("the source carries a rotation flag, which the re-encode applies")
    colour = [("-color_range", context.color_range), ("-colorspace", context.colorspace),
              ("-color_primaries", context.color_primaries), ("-color_trc", context.color_trc)]
    args = ["-c:v", codec.encoder, *X264_QUALITY, "-profile:v", profile, "-pix_fmt", pix_fmt,
            *codec.level_args(context.level)]
    for option, value in colour:
        if value not in (None, 0, 2):  # 0 and 2: unknown / unspecified, left to the decoder
            args += [option, str(int(value))]
    return codec, tuple(args)


def _scan(container: av.container.InputContainer, stream: av.VideoStream, codec: Codec,
          begin: Fraction, finish: Fraction) -> list[_Packet]:
    """The video packets, in decode order, from the keyframe at or before ``begin`` through
    the first keyframe after ``finish`` and any frames decoded after it but shown before it:
    their times and flags, read without decoding."""
    base = stream.time_base
    origin = Fraction(container.start_time or 0, 1_000_000)
    length_size = codec.length_size(stream.codec_context.extradata)
    container.seek(int((begin + origin) / base), stream=stream, backward=True)
    packets: list[_Packet] = []
    closing: Fraction | None = None  # the first keyframe after the span
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        t = packet.pts * base - origin
        key = bool(packet.is_keyframe)
        if closing is not None and t > closing:
            break
        if closing is None and key and t > finish:
            closing = t
        if not packets and not (key and t <= begin):
            raise NoSmartCut("seeking did not land on a keyframe before the span")
        idr = key and codec.idr_types & set(_nal_types(bytes(packet), codec, length_size))
        packets.append(_Packet(t, key, bool(idr)))
    return packets


def _nal_types(data: bytes, codec: Codec, length_size: int | None) -> Iterator[int]:
    """The NAL unit types in one packet, mp4-style (length-prefixed) or Annex B."""
    if length_size is None:
        for chunk in data.split(b"\x00\x00\x01")[1:]:
            if chunk:
                yield codec.nal_type(chunk[0])
        return
    at = 0
    while at + length_size < len(data):
        size = int.from_bytes(data[at:at + length_size], "big")
        yield codec.nal_type(data[at + length_size])
        at += length_size + size


def _split(source: Path, codec: Codec, encode_args: tuple[str, ...], begin: Fraction,
           duration: Fraction, packets: list[_Packet], base: Fraction, has_audio: bool
           ) -> SmartPlan:
    """Choose where copying starts (the span's first keyframe) and stops, and count each
    piece's frames, refusing spans and streams where a copy would drop, repeat or misdecode
    a frame.

    The copy runs, in decode order, from the keyframe to the last packet after which every
    frame shown so far precedes every frame still to come (with B-frames: the end of a
    mini-GOP) and before the span's end. Any decode-order prefix decodes on its own, and this
    one shows exactly the frames in ``[k1, copy_end)``; only the few frames from there to the
    end are re-encoded."""
    finish = begin + duration
    times = sorted(p.t for p in packets if begin <= p.t < finish)
    if not times:
        raise NoSmartCut("the span holds no frame")
    first_key = next((i for i, p in enumerate(packets) if p.key and begin <= p.t < finish), None)
    if first_key is None:
        raise NoSmartCut("no keyframe inside the span: it lies within one GOP")
    k1 = packets[first_key].t
    if not packets[first_key].idr:
        raise NoSmartCut("the span's first keyframe is not an IDR frame (open GOP)")
    if any(p.t >= k1 for p in packets[:first_key]) or any(p.t < k1 for p in packets[first_key:]):
        raise NoSmartCut("frames are shown out of order across the span's first keyframe "
                         "(open GOP)")
    later = [p.t for p in packets[first_key:]] + [finish]  # decode order, then a stop
    still_to_come = list(accumulate(reversed(later), min))[::-1]  # min(later[i:]) at i
    copied, shown = 0, k1
    for count, t in enumerate(later[:-1], start=1):
        if t >= finish:
            break
        shown = max(shown, t)
        if shown < still_to_come[count]:
            copied = count
    copy_end = min(still_to_come[copied], finish)
    if copied != sum(k1 <= t < copy_end for t in times):
        raise NoSmartCut("the copied packets do not hold exactly the span's frames")
    return SmartPlan(source, codec, encode_args, begin, duration, times[0], k1, copy_end,
                     head_frames=sum(t < k1 for t in times), middle_frames=copied,
                     tail_frames=sum(t >= copy_end for t in times), time_base=base,
                     has_audio=has_audio)


def smart_cut(plan: SmartPlan, out: Path, *, progress: FractionCallback | None = None,
              cancelled: threading.Event | None = None) -> Path:
    """Write ``plan``'s clip to ``out`` (through ``out.part``); pieces live in a temporary
    folder beside it and go whatever happens. Cancelling works as for ``run_ffmpeg``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as name:
        folder = Path(name)
        pieces = [(folder / "head.ts", plan.head_frames, plan.k1 - plan.first),
                  (_copy_gops(plan, folder / "middle.ts", cancelled), plan.middle_frames,
                   plan.copy_end - plan.k1),
                  (folder / "tail.ts", plan.tail_frames, None)]
        sound = folder / "sound.m4a" if plan.has_audio else None
        _encode_pieces(plan, pieces[0][0], pieces[2][0], sound,
                       _share(progress, 0.0, ENCODING_SHARE), cancelled)
        listing = folder / "pieces.ffconcat"
        listing.write_text(_concat_list([(path, length) for path, frames, length in pieces
                                         if frames]), encoding="utf-8")
        return run_ffmpeg(
            _join_command(plan, listing, sound, out.with_name(out.name + ".part")), out,
            float(plan.duration), progress=_share(progress, ENCODING_SHARE, 1.0),
            cancelled=cancelled, what=f"joining the pieces of {float(plan.start):.1f} s")


def _share(progress: FractionCallback | None, low: float, high: float
           ) -> FractionCallback | None:
    """``progress`` for one stage, which fills ``[low, high]`` of the whole."""
    if progress is None:
        return None
    return lambda fraction: progress(low + fraction * (high - low))


def _encode_pieces(plan: SmartPlan, head: Path, tail: Path, sound: Path | None,
                   progress: FractionCallback | None, cancelled: threading.Event | None) -> None:
    """Re-encode the edges into MPEG-TS pieces and the span's sound into AAC, all in one
    ffmpeg, which runs them side by side.

    Each edge is ``frames`` frames from its start, decoded from the keyframe before it, frame
    times kept; the start is floored to ffmpeg's microsecond so the frame at it is never
    dropped. The sound is cut as the full re-encode cuts it. The first output goes through
    ``.part`` for ``run_ffmpeg``; the others are written in place (the temporary folder goes
    if anything fails)."""
    inputs: list[list[str]] = []
    outputs: list[tuple[list[str], Path]] = []
    for start, frames, path in ((plan.start, plan.head_frames, head),
                                (plan.copy_end, plan.tail_frames, tail)):
        if frames:
            seconds = Fraction(int(start * 1_000_000), 1_000_000)
            inputs.append(["-ss", f"{float(seconds):.6f}"])
            outputs.append((["-map", f"{len(inputs) - 1}:v:0", "-frames:v", str(frames),
                             "-fps_mode", "passthrough", *plan.encode_args, "-an", "-sn", "-dn",
                             "-f", "mpegts"], path))
    if sound is not None:
        inputs.append(["-ss", f"{float(plan.start):.3f}", "-t", f"{float(plan.duration):.3f}"])
        outputs.append((["-map", f"{len(inputs) - 1}:a:0", "-vn", "-sn", "-dn", *AAC_AUDIO,
                         "-f", "mp4"], sound))
    if not outputs:
        return
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
               "-progress", "pipe:1", "-nostats"]
    for seek in inputs:
        command += [*seek, "-i", path_arg(plan.source)]
    for index, (options, path) in enumerate(outputs):
        command += [*options, path_arg(path.with_name(path.name + ".part") if index == 0
                                       else path)]
    run_ffmpeg(command, outputs[0][1], float(plan.duration), progress=progress,
               cancelled=cancelled, what=f"re-encoding the edges of {float(plan.start):.1f} s")


def _copy_gops(plan: SmartPlan, out: Path, cancelled: threading.Event | None) -> Path:
    """The source's packets from keyframe K1, as many as the plan copies, remuxed into
    MPEG-TS without decoding (the muxer writes them Annex B, parameter sets in-band)."""
    with av.open(str(plan.source)) as source, av.open(str(out), "w", format="mpegts") as target:
        stream = source.streams.video[0]
        origin = Fraction(source.start_time or 0, 1_000_000)
        copy = target.add_stream_from_template(stream)
        source.seek(int((plan.k1 + origin) / stream.time_base), stream=stream, backward=True)
        written = 0
        for packet in source.demux(stream):
            if packet.pts is None:
                continue
            t = packet.pts * stream.time_base - origin
            if written == 0 and not (packet.is_keyframe and t == plan.k1):
                continue
            if written == plan.middle_frames:
                break
            if cancelled is not None and cancelled.is_set():
                raise RenderCancelled("The render was cancelled.")
            packet.stream = copy
            target.mux(packet)
            written += 1
    if written != plan.middle_frames:
        raise NoSmartCut(f"copied {written} of the middle's {plan.middle_frames} frames")
    return out


def _concat_list(pieces: list[tuple[Path, Fraction | None]]) -> str:
    """An ffconcat script naming each piece with its exact length (the next one starts there,
    whatever the piece's own timestamps say)."""
    lines = ["ffconcat version 1.0"]
    for path, length in pieces:
        quoted = str(path.absolute()).replace("'", "'\\''")
        lines.append(f"file 'file:{quoted}'")
        if length is not None:
            lines.append(f"duration {float(length):.6f}")
    return "\n".join(lines) + "\n"


def _join_command(plan: SmartPlan, listing: Path, sound: Path | None, out: Path) -> list[str]:
    """Pieces and sound joined without re-encoding, the first frame at 0 as in the full
    re-encode."""
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "concat", "-safe", "0", "-i", path_arg(listing),
    ]
    if sound is not None:
        command += ["-i", path_arg(sound)]
    command += ["-map", "0:v:0", *(["-map", "1:a:0"] if sound is not None else []),
                "-c", "copy", "-tag:v", plan.codec.mp4_tag]
    if plan.time_base.numerator == 1:
        command += ["-video_track_timescale", str(plan.time_base.denominator)]
    return [*command, "-movflags", "+faststart", "-progress", "pipe:1", "-nostats",
            "-f", "mp4", path_arg(out)]
