"""Recorded-shape YouTube responses served to youtube-comment-downloader's own HTTP session.

A requests transport adapter answers the watch page and the comment continuation the way
YouTube does (the fields that downloader reads), so its real parsing code runs with no network.
"""

from __future__ import annotations

import json

import requests
from requests.adapters import BaseAdapter


def _endpoint(token: str) -> dict:
    return {"commandMetadata": {"webCommandMetadata": {"apiUrl": "/youtubei/v1/next"}},
            "continuationCommand": {"token": token}}


def watch_page() -> str:
    ytcfg = {"INNERTUBE_API_KEY": "recorded-key",
             "INNERTUBE_CONTEXT": {"client": {"hl": "en", "clientName": "WEB"}}}
    initial = {"contents": {"twoColumnWatchNextResults": {"results": {"results": {"contents": [
        {"itemSectionRenderer": {
            "sectionIdentifier": "comment-item-section",
            "contents": [{"continuationItemRenderer": {
                "continuationEndpoint": _endpoint("section")}}]}}]}}}},
        "engagementPanels": [{"sortFilterSubMenuRenderer": {"subMenuItems": [
            {"title": "Top comments", "serviceEndpoint": _endpoint("popular")},
            {"title": "Newest first", "serviceEndpoint": _endpoint("recent")}]}}]}
    return (f"<html><script>ytcfg.set({json.dumps(ytcfg)});</script>"
            f"<script>var ytInitialData = {json.dumps(initial)};</script></html>")


def _entity(cid: str, text: str, author: str, likes: str) -> tuple[dict, dict]:
    key = f"toolbar-{cid}"
    comment = {"commentEntityPayload": {
        "properties": {"commentId": cid, "content": {"content": text},
                       "publishedTime": "3 days ago", "toolbarStateKey": key},
        "author": {"displayName": author, "channelId": "UC" + cid,
                   "avatarThumbnailUrl": ""},
        "toolbar": {"likeCountNotliked": likes, "replyCount": ""}}}
    state = {"engagementToolbarStateEntityPayload": {"key": key,
                                                     "heartState": "TOOLBAR_HEART_STATE_UNHEARTED"}}
    return comment, state


RECORDED_COMMENTS = [
    ("UgxP1", "10:43 legend", "@ann", "1.2K"),
    ("UgxP1.r1", "@ann 10:44 yes", "@bob", " "),
    ("UgxP2", "1:02:33 the ending", "@cho", "37"),
    ("UgxP3", "", "@deleted", "0"),
]


def continuation_response() -> dict:
    mutations = []
    for cid, text, author, likes in RECORDED_COMMENTS:
        comment, state = _entity(cid, text, author, likes)
        mutations += [{"payload": comment}, {"payload": state}]
    return {"onResponseReceivedEndpoints": [{"reloadContinuationItemsCommand": {
        "targetId": "comments-section", "continuationItems": []}}],
        "frameworkUpdates": {"entityBatchUpdate": {"mutations": mutations}}}


class RecordedYouTube(BaseAdapter):
    """Answers GET watch pages and POST /youtubei/v1/next from the recordings above."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.requests.append(f"{request.method} {request.url}")
        response = requests.Response()
        response.status_code = 200
        response.url = request.url
        response.encoding = "utf-8"
        body = watch_page() if request.method == "GET" else json.dumps(continuation_response())
        response._content = body.encode()
        return response

    def close(self) -> None:
        pass
