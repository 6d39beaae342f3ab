import socket
import time

import pytest

from shortory_core.errors import NetworkUnavailable, SourceError
from shortory_core.sources.urls import ensure_reachable, validate_url, youtube_video_id


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "  http://example.org/a.mp4 ",
    "HTTPS://youtu.be/dQw4w9WgXcQ",
])
def test_http_urls_pass(url: str) -> None:
    assert validate_url(url) == url.strip()


@pytest.mark.parametrize("url", [
    "", "file:///etc/passwd", "ftp://host/x.mp4", "javascript:alert(1)", "/home/me/video.mp4",
    "youtube.com/watch?v=dQw4w9WgXcQ", "https://", "http:///path-only",
])
def test_everything_else_is_refused(url: str) -> None:
    with pytest.raises(SourceError, match="Not a web address"):
        validate_url(url)


@pytest.mark.parametrize(("url", "video_id"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=x", "dQw4w9WgXcQ"),
    ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/watch?v=short", None),
    ("https://vimeo.com/123456", None),
    ("https://www.youtube.com/@channel", None),
])
def test_youtube_video_ids(url: str, video_id: str | None) -> None:
    assert youtube_video_id(url) == video_id


def test_unreachable_host_fails_fast_and_suggests_import(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setenv("SHORTORY_ALLOW_LOCAL_URLS", "1")
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable, match="Import the video file"):
        ensure_reachable(f"http://127.0.0.1:{port}/video")
    assert time.monotonic() - started < 5
