"""Shortory's engine: everything the app does, importable and testable without Streamlit.

One meaning of time runs through the package: seconds of the *source video*. Every signal
(comment mentions, the "Most replayed" heatmap, a viewer's face) becomes a timeline keyed on
that time, so later stages only ever join timelines.

Folders name what happens in them, bottom floor first (a folder imports only from the floors
below it; ``scripts/architecture.py`` checks that):
  records.py, timefmt.py, untrusted.py, logs.py   plain values, time as m:ss, untrusted text,
                                                  the log file
  errors.py, config.py, validate.py, exports.py   user-facing errors, paths, input ranges,
                                                  CSV/Parquet downloads
  vision/     face → emotion + attention on ONNX models described by model cards
  store/      the embedded SQLite database and the media folder beside it
  sources/    getting videos and comments in (yt-dlp, youtube-comment-downloader, file imports);
              uploads.py keeps browser uploads until their job is done
  jobs/       the generic job service (lanes, progress, cancel, recovery); knows no feature
  signals/    the signal registry and the video-time grid; comment timestamps, the heatmap
  reactions/  a recorded reaction analysed into samples; panel/ many viewers as a panel;
              projects.py a new project from files or a URL
  clips/      cutting clips with ffmpeg; live/ live webcam sessions; demo/ the offline demo
  highlights/ every signal joined on one timeline, peaks, shorts, picks
  charts/     Plotly figures; kinds/ every job kind the app runs, handed to jobs/
  batch/      a manifest of projects and recordings run as jobs, locally or on Ray
  bench/      benchmarks; cli.py the command line (``python -m shortory_core``)
"""

__version__ = "0.1.0"
