"""Every request a fetch makes goes through one guard: no local address, no endless wait.

yt-dlp and youtube-comment-downloader follow redirects and open further URLs of their own
(a player page, a manifest, media segments), so checking the pasted URL is not enough: a
public page may redirect to ``http://127.0.0.1:8080/admin`` or to the cloud's metadata address
``169.254.169.254``. Both libraries take a proxy, so the fetch is given a small forwarding
proxy on loopback, alive only for that fetch. For each connection it resolves the host once,
refuses it when any of its addresses is not a global one (loopback, private, link-local,
carrier-grade NAT, reserved, multicast), and then connects to the address it checked, so a
second DNS answer cannot swap it (DNS rebinding). It also enforces the fetch's time limits: a
connection silent for ``stall_s`` is closed, and at ``overall_s`` every connection is closed
and no new one is opened (a server sending ten bytes a second is never waited on forever).

Plain-HTTP requests are forwarded one per connection (``Connection: close``), so a kept-alive
client connection can never carry a request for another host past the check.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ALLOW_LOCAL_ENV = "SHORTORY_ALLOW_LOCAL_URLS"
OVERALL_ENV = "SHORTORY_FETCH_TIMEOUT_S"
STALL_ENV = "SHORTORY_STALL_TIMEOUT_S"
DEFAULT_OVERALL_S = 3 * 3600.0
DEFAULT_STALL_S = 30.0
MAX_HEAD = 64 * 1024
Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port,
                                                              type=socket.SOCK_STREAM)})


def address_problem(address: str) -> str | None:
    """Why ``address`` may not be fetched from, or ``None`` when it is a global one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    kind = ("a loopback" if ip.is_loopback else "a link-local (cloud metadata)"
            if ip.is_link_local else "a private" if ip.is_private else "a reserved")
    return f"{address} is {kind} address"


@dataclass(frozen=True)
class Policy:
    """What a fetch may reach and for how long. ``allow_local`` lifts the address check
    (``SHORTORY_ALLOW_LOCAL_URLS=1``: intranet use and tests); ``trusted`` lists endpoints
    (address, port) allowed whatever their address."""

    allow_local: bool = False
    overall_s: float = DEFAULT_OVERALL_S
    stall_s: float = DEFAULT_STALL_S
    trusted: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    resolver: Resolver = resolve

    @classmethod
    def from_env(cls) -> Policy:
        return cls(allow_local=os.environ.get(ALLOW_LOCAL_ENV, "") == "1",
                   overall_s=_seconds(OVERALL_ENV, DEFAULT_OVERALL_S),
                   stall_s=_seconds(STALL_ENV, DEFAULT_STALL_S))

    def check(self, host: str, port: int) -> str:
        """The address to connect to for ``host:port``; ``Refused`` when it may not be
        reached."""
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"{host} cannot be resolved ({exc})") from exc
        if not addresses:
            raise Refused(f"{host} has no address")
        if not self.allow_local:
            for address in addresses:
                problem = address_problem(address)
                if problem and (address, port) not in self.trusted:
                    shown = problem if address == host else f"{host} → {problem}"
                    raise Refused(f"{shown}; Shortory fetches only from the public internet "
                                  f"(set {ALLOW_LOCAL_ENV}=1 to allow local addresses)")
        return addresses[0]


class Refused(Exception):
    """A connection the policy does not allow, or a time limit reached; says which."""


def _seconds(name: str, default: float) -> float:
    from shortory_core.validate import Range

    raw = os.environ.get(name)
    return Range(name, 1.0, 7 * 86_400.0, " s").parse(raw) if raw else default


class EgressGuard:
    """The fetch's proxy (see the module docstring): ``with EgressGuard(policy) as guard``
    then give ``guard.url`` to the client as its HTTP and HTTPS proxy. ``guard.problem`` says
    afterwards why a connection was refused or cut, for the user's error message."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.problem = ""
        self._deadline = 0.0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()

    @property
    def url(self) -> str:
        assert self._listener is not None
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> EgressGuard:
        self._deadline = time.monotonic() + self.policy.overall_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, name="egress-accept", daemon=True).start()
        threading.Thread(target=self._watch, name="egress-deadline", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._close_all()

    # -- serving ------------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), name="egress-conn",
                             daemon=True).start()

    def _watch(self) -> None:
        """At the overall deadline, close every connection (and stop accepting)."""
        if not self._closed.wait(max(self._deadline - time.monotonic(), 0.0)):
            self._note_overall()
            self._close_all()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._track(client)
        try:
            client.settimeout(self.policy.stall_s)
            head, rest = _read_head(client)
            method, target, forward = _parse_request(head)
            host, port = target
            if time.monotonic() >= self._deadline:
                raise Refused(f"the fetch took longer than {self.policy.overall_s:g} s")
            address = self.policy.check(host, port)
            upstream = socket.create_connection((address, port),
                                                timeout=self.policy.stall_s)
            self._track(upstream)
            if method == "CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                upstream.sendall(forward + rest)
            self._relay(client, upstream, f"{host}:{port}")
        except Refused as exc:
            self._note(str(exc))
            _answer(client, 403, str(exc))
        except (OSError, ValueError) as exc:
            _answer(client, 502, f"{type(exc).__name__}: {exc}")
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._untrack(sock)

    def _relay(self, client: socket.socket, upstream: socket.socket, where: str) -> None:
        """Copy bytes both ways until one side closes, it stalls, or the deadline passes."""
        pair = {client: upstream, upstream: client}
        while not self._closed.is_set():
            wait = min(self.policy.stall_s, self._deadline - time.monotonic())
            if wait <= 0:
                # Said here too: this connection may close before the deadline's watcher
                # thread runs, and the client's error must carry the reason.
                self._note_overall()
                return
            ready, _, _ = select.select(list(pair), [], [], wait)
            if not ready:
                if self._deadline - time.monotonic() > 0:
                    self._note(f"{where} sent nothing for {self.policy.stall_s:g} s "
                               f"({STALL_ENV})")
                else:
                    self._note_overall()
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                pair[sock].sendall(data)

    # -- bookkeeping --------------------------------------------------------------------------

    def _note_overall(self) -> None:
        self._note(f"the fetch took longer than {self.policy.overall_s:g} s ({OVERALL_ENV})")

    def _note(self, problem: str) -> None:
        with self._lock:
            self.problem = self.problem or problem

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        sock.close()

    def _close_all(self) -> None:
        with self._lock:
            sockets = [*self._open, *([self._listener] if self._listener else [])]
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _read_head(client: socket.socket) -> tuple[bytes, bytes]:
    """The request head (up to the blank line) and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(8192)
        if not chunk:
            raise ValueError("the client closed the connection")
        data += chunk
        if len(data) > MAX_HEAD:
            raise ValueError("request head too long")
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def _parse_request(head: bytes) -> tuple[str, tuple[str, int], bytes]:
    """(method, (host, port), the head to send upstream) of a proxy request: ``CONNECT
    host:port`` for HTTPS, an absolute ``http://`` URL for plain HTTP (rewritten to a path,
    one request per connection). Any other scheme is refused."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return method, (host.strip("[]"), int(port)), b""
    parts = urlsplit(target)
    if parts.scheme != "http" or not parts.hostname:
        raise Refused(f"only http(s) is fetched, not {target[:60]!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [line for line in lines[1:] if line.split(":", 1)[0].strip().lower() not in
            {"connection", "proxy-connection", "keep-alive", "proxy-authorization"}]
    forward = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
    return method, (parts.hostname, parts.port or 80), forward.encode("latin-1")


def _answer(client: socket.socket, status: int, reason: str) -> None:
    body = reason.encode("utf-8", "replace")
    with contextlib.suppress(OSError):
        client.sendall(f"HTTP/1.1 {status} {'Forbidden' if status == 403 else 'Bad Gateway'}"
                       f"\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                       "Connection: close\r\n\r\n".encode() + body)
