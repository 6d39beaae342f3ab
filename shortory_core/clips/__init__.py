"""Cutting clips: ``render.py`` runs ffmpeg on one span, ``jobs.py`` renders queued clips in the
background and records their progress in the store."""
