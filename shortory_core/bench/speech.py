"""Speech speed: transcribing a 60 s short's span, our settings against faster-whisper's
defaults on the same model files (float32, beam 5, no voice detection), both with
word timestamps, as captions need them. The span is real speech (``tests/fixtures/speech``:
the MIT license read in English, then in German). The target is ≤ 20 s on two cores.
"""

from __future__ import annotations

from shortory_core.bench.timing import median_seconds
from shortory_core.config import PROJECT_ROOT
from shortory_core.speech.audio import read_audio
from shortory_core.speech.model import THREADS, load_model, model_source
from shortory_core.speech.transcribe import transcribe

SPEECH = PROJECT_ROOT / "tests" / "fixtures" / "speech" / "multilingual.mp3"
SPAN_S = 60.0
TARGET_S = 20.0


def run() -> str:
    from faster_whisper import WhisperModel

    load_model()  # loading is paid once per process, not per short
    baseline = WhisperModel(model_source(), device="cpu", compute_type="float32",
                            cpu_threads=THREADS)
    samples = read_audio(SPEECH, 0.0, SPAN_S)
    span = len(samples) / 16_000

    def defaults() -> None:
        segments, _ = baseline.transcribe(samples, word_timestamps=True)
        list(segments)

    words: list[int] = []

    def ours() -> None:
        words.append(len(transcribe(SPEECH, 0.0, SPAN_S).words))

    base_s = median_seconds(defaults, repeat=1, warm_up=False)
    ours_s = median_seconds(ours, repeat=1, warm_up=False)
    verdict = "met" if ours_s <= TARGET_S else "NOT met"
    return "\n".join([
        f"== speech: transcribe a {span:.0f} s span with word times (Whisper base, 2 threads)",
        f"  {'faster-whisper defaults (float32, beam 5)':<52} {base_s:8.1f} s"
        f"   realtime x{span / base_s:.1f}",
        f"  {'ours (int8, voice detection, beam 5)':<52} {ours_s:8.1f} s"
        f"   realtime x{span / ours_s:.1f}   {words[-1]} words",
        f"  target <= {TARGET_S:.0f} s: {verdict}",
        f"  speed-up (defaults / ours): {base_s / ours_s:.1f}x"])
