"""Running ffmpeg as a child that can be followed, cancelled and never outlives us.

Every ffmpeg the package starts goes through ``start_ffmpeg`` (killed with its parent) and,
when it writes a file, ``run_ffmpeg`` (progress, cancel, ``.part`` then rename). It sits below
the modules that build ffmpeg command lines (``render``, ``smart_cut``, ``preview``), so they
can share it without importing one another.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

import imageio_ffmpeg

from shortory_core.errors import ShortoryError

FractionCallback = Callable[[float], None]
KILL_CHECK_S = 0.1
# Looked up once, here: between fork and exec the child should only call, not load.
_prctl = ctypes.CDLL(None, use_errno=True).prctl
PR_SET_PDEATHSIG, SIGKILL = 1, int(signal.SIGKILL)


class RenderError(ShortoryError):
    """ffmpeg could not cut the clip; the message carries ffmpeg's last words."""


class RenderCancelled(RenderError):
    """The render was stopped on request; nothing of it was kept."""


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(command: list[str], out: Path, duration: float, *,
               progress: FractionCallback | None = None,
               cancelled: threading.Event | None = None, what: str = "") -> Path:
    """Run an ffmpeg ``command`` that writes ``out + '.part'`` with ``-progress pipe:1``, then
    rename the finished file to ``out``.

    ffmpeg is killed within ``KILL_CHECK_S`` once ``cancelled`` is set, and whenever this
    function leaves early (``progress`` raising included): it is always reaped and its partial
    file removed. Its stderr is drained in a thread of its own, so a chatty ffmpeg can never
    block on a full pipe while its progress is read.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    process = start_ffmpeg(command)
    errors: deque[str] = deque(maxlen=40)
    drain = threading.Thread(target=lambda: errors.extend(process.stderr or ()), daemon=True)
    drain.start()
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_when, args=(process, cancelled, stop), daemon=True)
    watcher.start()
    finished = False
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if progress and line.startswith("out_time_us=") and line[12:].strip().isdigit():
                progress(min(int(line[12:]) / 1e6 / max(duration, 1e-3), 1.0))
        finished = True
    finally:
        if not finished:
            _kill(process)
        code = process.wait()
        stop.set()
        drain.join(timeout=5)
        if not finished or code != 0:
            partial.unlink(missing_ok=True)
    if cancelled is not None and cancelled.is_set():
        raise RenderCancelled("The render was cancelled.")
    if code != 0:
        raise RenderError(f"ffmpeg failed {what}: {ffmpeg_reason(errors)}")
    partial.replace(out)
    if progress:
        progress(1.0)
    return out


def start_ffmpeg(command: list[str]) -> subprocess.Popen[str]:
    """Start one ffmpeg (every ffmpeg the package runs starts here), reading its progress on
    stdout and its messages on stderr, so that it never outlives the process that wanted it.

    The kernel kills it when its parent dies (``PR_SET_PDEATHSIG``): a ``kill -9`` leaves no
    one to stop it otherwise. The signal follows the *thread* that started it, which is why
    the thread that starts ffmpeg is the one that waits for it (``run_ffmpeg``). It also leads
    a process group of its own, so ``_kill`` reaches anything it starts, and a terminal's
    Ctrl-C reaches only us, who then stop it in order.
    """
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, process_group=0,
                            preexec_fn=_die_with(os.getpid()))


def _die_with(parent: int) -> Callable[[], None]:
    """What the child runs between fork and exec: ask for SIGKILL when the parent dies, and
    leave at once if it died already (before the request could cover it)."""
    def arm() -> None:
        _prctl(PR_SET_PDEATHSIG, SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
    return arm


def _kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL to the ffmpeg's process group, unless it has been reaped already (its id may
    then belong to another process)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def ffmpeg_reason(lines: Iterable[str]) -> str:
    """ffmpeg's own reason in one readable line: its last distinct messages, whole (the
    first words say what failed, so nothing is cut from the front)."""
    kept: list[str] = []
    for line in (" ".join(raw.split()) for raw in lines):
        if line and line not in kept:
            kept.append(line)
    text = "; ".join(kept[-3:])
    return (text[:297] + "…" if len(text) > 300 else text) or "no message"


def path_arg(path: Path) -> str:
    """A path as an ffmpeg argument: absolute, so a name starting with ``-`` is never read as
    an option, and with ``file:`` so a name with ``:`` is never read as a protocol."""
    return f"file:{Path(path).absolute()}"


def _kill_when(process: subprocess.Popen, cancelled: threading.Event | None,
               stop: threading.Event) -> None:
    """Kill ``process`` as soon as ``cancelled`` is set, until ``stop`` says it has ended."""
    if cancelled is None:
        return
    while not stop.is_set() and process.poll() is None:
        if cancelled.wait(KILL_CHECK_S):
            _kill(process)
            return
