"""Which process owns a job (or a file being written), and whether that process is still alive.

It sits below the store, which keeps owners in the ``jobs`` table.

A pid alone is not an identity: after a crash the kernel may give the same pid to an unrelated
process. The owner is (host, pid, process start time); on Linux the start time comes from
``/proc/PID/stat``, so a reused pid has a different start and counts as gone. Where the owner
runs on another host (a data folder on a network share), only its heartbeat can tell, so a
heartbeat older than ``STALE_S`` counts as gone too.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT_S = 5.0  # a live owner stamps its jobs this often
STALE_S = 60.0  # a heartbeat this old means the owner is gone, wherever it ran


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of a process, or ``None`` where /proc
    does not have it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields 3 and 22; the command name (field 2) may hold spaces: count from its last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def _start_time(pid: int) -> str:
    stat = _proc_stat(pid)
    return stat[1] if stat else ""


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    start: str

    @classmethod
    def current(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), _start_time(os.getpid()))

    def tag(self) -> str:
        """The owner in a file name, for files being written outside a job's staging folder
        (``from_tag`` reads it back)."""
        return f"{self.pid}-{self.start or 0}"

    @classmethod
    def from_tag(cls, tag: str) -> Owner | None:
        pid, _, start = tag.partition("-")
        if not pid.isdigit():
            return None
        return cls(socket.gethostname(), int(pid), "" if start == "0" else start)

    def is_alive(self, heartbeat: float, now: float | None = None) -> bool:
        """Whether the process that owns a job (last stamped at ``heartbeat``) still runs."""
        fresh = (time.time() if now is None else now) - heartbeat < STALE_S
        if self.host != socket.gethostname():
            return fresh
        if self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: it exists
            pass
        stat = _proc_stat(self.pid)
        if stat is None:
            return fresh  # no /proc (not Linux): the pid exists, trust the heartbeat
        state, started = stat
        # A killed process that nobody has reaped yet is a zombie: it runs nothing.
        return state not in ("Z", "X") and (not self.start or started == self.start)
