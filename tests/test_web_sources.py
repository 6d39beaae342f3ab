"""The real yt-dlp download path, served from loopback, and the comment fetch's guards."""

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shortory_core.errors import SourceError
from shortory_core.sources.web_comments import fetch_comments
from shortory_core.sources.web_video import Progress, download_video, video_info_from_ytdlp
from shortory_core.store import Store
from tests.conftest import run_job

RECORDED_INFO = {  # the fields yt-dlp's YouTube extractor reports, as recorded from one video
    "id": "dQw4w9WgXcQ", "title": "Never Gonna Give You Up", "duration": 213,
    "webpage_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "width": 1920,
    "height": 1080, "fps": 25,
    "heatmap": [{"start_time": 0.0, "end_time": 2.13, "value": 1.0},
                {"start_time": 2.13, "end_time": 4.26, "value": 0.41},
                {"bad": True}],
    "chapters": [{"start_time": 0.0, "end_time": 100.0, "title": "Verse"}],
}


def test_info_dict_becomes_video_info() -> None:
    info = video_info_from_ytdlp(RECORDED_INFO, "video.mp4")
    assert info.title == "Never Gonna Give You Up" and info.duration == 213
    assert [(p.start, p.value) for p in info.heatmap] == [(0.0, 1.0), (2.13, 0.41)]
    assert info.chapters[0].title == "Verse"
    assert video_info_from_ytdlp({}, "v.mp4").heatmap == []


@pytest.fixture
def loopback_site(tmp_path: Path, short_video: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[str]:
    """A site on loopback, which fetches may reach only with local URLs allowed."""
    monkeypatch.setenv("SHORTORY_ALLOW_LOCAL_URLS", "1")
    site = tmp_path / "site"
    site.mkdir()
    shutil.copyfile(short_video, site / "clip.mp4")
    (site / "page.html").write_text("<html><body>no video here</body></html>")
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_yt_dlp_downloads_and_reports_progress(loopback_site: str, tmp_path: Path) -> None:
    seen: list[Progress] = []
    info = download_video(f"{loopback_site}/clip.mp4", tmp_path / "out", seen.append)
    assert (tmp_path / "out" / info.path).is_file()
    assert info.path.startswith("video.")  # never named after the remote title
    assert info.duration == pytest.approx(3.0, abs=0.05) and info.has_audio
    assert seen and seen[-1].fraction == 1.0


def test_url_project_lands_in_the_store(loopback_site: str, store: Store) -> None:
    job = run_job(store, "fetch", {"url": f"{loopback_site}/clip.mp4"})
    assert job.status == "done", job.error
    video = store.get_video(job.result["project_id"])
    assert store.media_path(video.path).is_file()
    # not a YouTube link: video kept, reason given
    assert "YouTube" in job.result["comment_error"]
    assert not list((store.root / "staging").iterdir())


def test_page_without_video_is_a_clear_error(loopback_site: str, store: Store) -> None:
    job = run_job(store, "fetch", {"url": f"{loopback_site}/page.html"})
    assert job.status == "failed" and job.error.startswith("Could not download")
    assert store.list_projects() == []
    assert not list((store.root / "staging").iterdir())


def test_comments_only_for_youtube_links() -> None:
    with pytest.raises(SourceError, match="YouTube videos only"):
        fetch_comments("https://vimeo.com/123", check_network=False)


def test_comment_downloader_parses_recorded_youtube_responses() -> None:
    from youtube_comment_downloader import YoutubeCommentDownloader

    from tests.recorded_youtube import RecordedYouTube

    client = YoutubeCommentDownloader()
    adapter = RecordedYouTube()
    client.session.mount("https://", adapter)
    counts: list[int] = []
    fetched = fetch_comments("https://www.youtube.com/watch?v=dQw4w9WgXcQ", downloader=client,
                             check_network=False, progress=counts.append)
    comments = fetched.comments
    assert fetched.stopped == ""
    assert {c.cid for c in comments} == {"UgxP1", "UgxP1.r1", "UgxP2"}  # the empty one dropped
    by_id = {c.cid: c for c in comments}
    assert by_id["UgxP1"].likes == 1200 and by_id["UgxP1"].author == "@ann"
    assert by_id["UgxP1.r1"].is_reply and by_id["UgxP1.r1"].parent_cid == "UgxP1"
    assert counts[-1] == 3
    posts = [r for r in adapter.requests if r.startswith("POST ")]
    assert posts and posts[0].startswith("POST https://www.youtube.com/youtubei/v1/next")
    limited = fetch_comments("https://youtu.be/dQw4w9WgXcQ", downloader=client, limit=1,
                             check_network=False)
    assert len(limited.comments) == 1 and limited.stopped == ""


def test_a_fetch_that_breaks_off_is_reported_as_partial() -> None:
    """The connection drops after two comments: what came is kept and the result says it is
    partial, how many, and why; it is not passed off as complete. The comments are the real
    downloader's output for the recorded responses, replayed up to the break."""
    import requests
    from youtube_comment_downloader import YoutubeCommentDownloader

    from tests.recorded_youtube import RecordedYouTube

    client = YoutubeCommentDownloader()
    client.session.mount("https://", RecordedYouTube())
    recorded = list(client.get_comments_from_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ"))

    class BreaksOff:
        def get_comments_from_url(self, url: str, sort_by: int):
            yield from recorded[:2]
            raise requests.ConnectionError("connection reset by peer")

    fetched = fetch_comments("https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                             downloader=BreaksOff(), check_network=False)
    assert len(fetched.comments) == 2
    assert fetched.stopped.startswith("partial: 2 comments fetched")
    assert "connection reset" in fetched.stopped
