"""Fetches reach the public internet only, redirects included, and never wait forever.

Real yt-dlp and real requests (youtube-comment-downloader's session) run against servers on
loopback. The policy trusts exactly one of them (the "public" site a user pasted); anything
it redirects to is checked like any other address.
"""

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from youtube_comment_downloader import YoutubeCommentDownloader

from shortory_core.errors import SourceError
from shortory_core.sources.egress import EgressGuard, Policy, address_problem
from shortory_core.sources.urls import validate_url
from shortory_core.sources.web_comments import fetch_comments
from shortory_core.sources.web_video import download_video


class Site:
    """A loopback HTTP server answering each path with a handler; counts its requests."""

    def __init__(self, routes: dict[str, object]) -> None:
        self.hits: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = routes.get(self.path.split("?")[0], routes.get("*"))
                if callable(route):
                    route(self)
                else:
                    self.send_response(404)
                    self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def redirect_to(target: str):
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def trickle(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Ten bytes a second, for ever (or until the connection is cut)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        while True:
            handler.wfile.write(b"<p>slow</p>"[:10])
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        return


def silent(handler: http.server.BaseHTTPRequestHandler) -> None:
    time.sleep(30)


@pytest.fixture
def inner() -> Iterator[Site]:
    """A local service that must never be reached (an admin page, say)."""
    site = Site({"*": lambda h: (h.send_response(200), h.end_headers())})
    yield site
    site.close()


def trusting(site: Site, **limits: float) -> Policy:
    return Policy(trusted=frozenset({("127.0.0.1", site.port)}), **limits)


@pytest.mark.parametrize("address, local", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.9", True), ("172.16.5.4", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("::1", True),
    ("fe80::1", True), ("fd00::1", True), ("::ffff:127.0.0.1", True), ("224.0.0.1", True),
    ("8.8.8.8", False), ("2606:4700::1111", False),
])
def test_local_and_private_addresses_are_refused(address: str, local: bool) -> None:
    assert (address_problem(address) is not None) is local


@pytest.mark.parametrize("url, says", [
    ("http://" + "a" * 300 + ".com/v", "host name is too long"),
    ("http://" + "é" * 300 + ".com/v", "host name"),
    ("http://example.com:99999/v", "Port out of range"),
    ("http://[::1/", "Invalid IPv6 URL"),
    ("file:///etc/passwd", "Not a web address"),
    ("ftp://example.com/v.mp4", "Not a web address"),
    ("javascript:alert(1)", "Not a web address"),
    ("http://user:pw@example.com/v", "user name or password"),
    ("http://127.0.0.1:8080/admin", "loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]:9000/", "loopback"),
    ("http://10.0.0.5/", "private address"),
    ("http://localhost:8501/", "local name"),
    ("http://printer.local/", "local name"),
    ("http://exa mple.com/", "spaces or control characters"),
    ("http://example.com/\x1b[31m", "spaces or control characters"),
    ("https://" + "x" * 3000, "too long"),
])
def test_hostile_urls_are_refused_with_a_reason(url: str, says: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHORTORY_ALLOW_LOCAL_URLS", raising=False)
    with pytest.raises(SourceError) as refused:
        validate_url(url)
    assert says in str(refused.value) and "\x1b" not in str(refused.value)


def test_local_urls_pass_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTORY_ALLOW_LOCAL_URLS", "1")
    assert validate_url(" http://127.0.0.1:8080/v ") == "http://127.0.0.1:8080/v"


@pytest.mark.parametrize("target", ["http://127.0.0.1:{inner}/admin",
                                    "http://169.254.169.254/latest/meta-data/",
                                    "http://localhost:{inner}/admin"])
def test_a_redirect_to_a_local_address_is_refused(target: str, inner: Site,
                                                  tmp_path: Path) -> None:
    public = Site({"/watch": redirect_to(target.format(inner=inner.port))})
    try:
        with pytest.raises(SourceError, match="public internet") as refused:
            download_video(f"{public.url}/watch", tmp_path / "out",
                           check_network=False, policy=trusting(public))
    finally:
        public.close()
    assert public.hits and inner.hits == []  # the pasted site was asked, the inner one never
    assert len(str(refused.value).splitlines()) == 1
    assert not list((tmp_path / "out").glob("video*"))


def test_a_redirect_to_a_file_url_is_never_followed(tmp_path: Path) -> None:
    public = Site({"/watch": redirect_to("file:///etc/passwd")})
    try:
        with pytest.raises(SourceError, match=r"never followed|file://"):
            download_video(f"{public.url}/watch", tmp_path / "out", check_network=False,
                           policy=trusting(public))
    finally:
        public.close()
    assert not (tmp_path / "out" / "video.mp4").exists()


def test_a_trickling_server_is_cut_at_the_overall_limit(tmp_path: Path) -> None:
    slow = Site({"/watch": trickle})
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match="took longer than 2 s"):
            download_video(f"{slow.url}/watch", tmp_path / "out", check_network=False,
                           policy=trusting(slow, overall_s=2.0, stall_s=10.0))
    finally:
        slow.close()
    assert time.monotonic() - started < 10


def test_a_silent_server_is_cut_at_the_stall_limit() -> None:
    quiet = Site({"/": silent})
    guard_policy = trusting(quiet, overall_s=60.0, stall_s=1.0)
    started = time.monotonic()
    try:
        with EgressGuard(guard_policy) as guard, pytest.raises(requests.RequestException):
            requests.get(f"{quiet.url}/", proxies={"http": guard.url}, timeout=20)
    finally:
        quiet.close()
    assert "sent nothing for 1 s" in guard.problem
    assert time.monotonic() - started < 5


def test_a_name_that_resolves_to_a_private_address_is_refused(inner: Site) -> None:
    """DNS rebinding: the name passes the written-URL check, its address does not."""
    policy = Policy(resolver=lambda host, port: ["127.0.0.1"])
    with EgressGuard(policy) as guard:
        answer = requests.get("http://videos.example/watch", timeout=10,
                              proxies={"http": guard.url})
    assert answer.status_code == 403 and "loopback" in answer.text
    assert inner.hits == []


def test_the_comment_fetch_goes_through_the_guard(tmp_path: Path, inner: Site) -> None:
    """youtube-comment-downloader's own session is routed through the guard: its first
    request, to YouTube, is refused here as a name that cannot be resolved offline or, when a
    resolver says it is local, as a local address; nothing reaches the inner service."""
    policy = Policy(resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(SourceError, match=r"stopped: .*loopback"):
        fetch_comments("https://www.youtube.com/watch?v=dQw4w9WgXcQ", check_network=False,
                       policy=policy, downloader=YoutubeCommentDownloader())
    assert inner.hits == []


def test_requests_through_the_guard_reach_a_trusted_site() -> None:
    site = Site({"/ok": lambda h: (h.send_response(200), h.send_header("Content-Length", "2"),
                                   h.end_headers(), h.wfile.write(b"ok"))})
    try:
        with EgressGuard(trusting(site)) as guard:
            port = int(guard.url.rsplit(":", 1)[1])
            first = requests.get(f"{site.url}/ok", proxies={"http": guard.url}, timeout=10)
            second = requests.get(f"{site.url}/ok", proxies={"http": guard.url}, timeout=10)
    finally:
        site.close()
    assert first.text == second.text == "ok" and site.hits == ["/ok", "/ok"]
    assert guard.problem == ""
    with socket.socket() as probe:  # the proxy is gone once the fetch is over
        assert probe.connect_ex(("127.0.0.1", port)) != 0
