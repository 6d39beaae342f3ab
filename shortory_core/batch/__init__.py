"""Batch analysis: a manifest of projects and recordings run as jobs, locally or on Ray.

  manifest.py     the CSV/JSON manifest: projects, videos, comment files, recordings
  runner.py       the resumable run: imports, comments, analyses, panel, highlights, renders
  tasks.py        an analysis task (a recording or a chunk) and what it returns
  ray_engine.py   the Ray actor pool that runs tasks (optional: requirements-ray.txt)
"""
