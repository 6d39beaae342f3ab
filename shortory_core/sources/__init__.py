"""Getting a project's inputs: videos and comments, from the network or from files.

The network calls (yt-dlp, youtube-comment-downloader) are kept thin; what they return goes
through the same parsers as imported files, which is what the tests exercise.
"""
