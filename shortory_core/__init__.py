"""Shortory's engine: everything the app does, importable and testable without Streamlit.

One meaning of time runs through the package: seconds of the *source video*. Every signal
(comment mentions, the "Most replayed" heatmap, a viewer's face) becomes a timeline keyed on
that time, so later stages only ever join timelines.

Folders name what happens in them:
  sources/  getting videos and comments in (yt-dlp, youtube-comment-downloader, file imports)
  store/    the embedded SQLite database and the media folder beside it
  demo/     the built-in offline demo project
"""

__version__ = "0.1.0"
