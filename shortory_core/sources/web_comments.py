"""Fetching a YouTube video's comments with youtube-comment-downloader (no API key).

The downloader's generator is the only network step; every dict it yields goes through
``comment_from_downloader``, the same parser that reads its JSON-lines dumps from disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from youtube_comment_downloader import SORT_BY_POPULAR, SORT_BY_RECENT, YoutubeCommentDownloader

from shortory_core.errors import SourceError
from shortory_core.records import Comment
from shortory_core.sources.comment_files import comment_from_downloader
from shortory_core.sources.egress import EgressGuard, Policy
from shortory_core.sources.urls import IMPORT_HINT, ensure_reachable, validate_url, youtube_video_id
from shortory_core.untrusted import for_terminal

Sort = Literal["popular", "recent"]
CountCallback = Callable[[int], None]


@dataclass(frozen=True)
class FetchedComments:
    """The comments fetched, and why the fetch stopped early (``""`` when it did not)."""

    comments: list[Comment]
    stopped: str = ""


def fetch_comments(
    url: str,
    *,
    sort: Sort = "popular",
    limit: int | None = 5000,
    progress: CountCallback | None = None,
    downloader: YoutubeCommentDownloader | None = None,
    check_network: bool = True,
    policy: Policy | None = None,
) -> FetchedComments:
    """Up to ``limit`` comments of a YouTube video, replies included and linked to parents.

    ``progress`` is called with the running count every 50 comments and at the end. A fetch
    that breaks off after some comments came keeps them and says so in ``stopped``; one that
    gets none raises ``SourceError``.
    """
    policy = policy or Policy.from_env()
    url = validate_url(url, policy)
    if youtube_video_id(url) is None:
        raise SourceError(
            f"Comments can be fetched for YouTube videos only; {url!r} is not a YouTube video "
            f"link. {IMPORT_HINT}"
        )
    if check_network:
        ensure_reachable(url, policy=policy)
    client = downloader or YoutubeCommentDownloader()
    order = SORT_BY_POPULAR if sort == "popular" else SORT_BY_RECENT
    comments: list[Comment] = []
    stopped = ""
    with EgressGuard(policy) as guard:
        session = getattr(client, "session", None)
        if session is not None:  # every request of the downloader goes through the guard
            session.proxies = {"http": guard.url, "https": guard.url}
            session.trust_env = False
        try:
            stream = client.get_comments_from_url(url, sort_by=order) or iter(())
            for item in islice(stream, limit):
                try:
                    comments.append(comment_from_downloader(item))
                except ValueError:
                    continue  # a comment with no text (e.g. a removed one) carries no signal
                if progress and len(comments) % 50 == 0:
                    progress(len(comments))
        except (RuntimeError, OSError, ValueError) as exc:
            reason = f"stopped: {guard.problem}" if guard.problem else \
                f"{type(exc).__name__}: {for_terminal(str(exc))[:200]}"
            if not comments:
                raise SourceError(f"Could not fetch comments for {url}: {reason}. "
                                  f"{IMPORT_HINT}") from exc
            stopped = (f"partial: {len(comments)} comments fetched, then the fetch broke off "
                       f"({reason}).")
    if progress:
        progress(len(comments))
    return FetchedComments(comments, stopped)
