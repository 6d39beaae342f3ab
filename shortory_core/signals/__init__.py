"""Signals: each turns one kind of audience evidence into values keyed on video time.

  signal.py           what a signal is (name, colour, weight, help, values on the grid)
  registry.py         the registry every consumer loops over; the built-in signals
  faces.py, crowd.py  the built-in signals: emotions, attention, viewers; comments, heatmap
  grid.py             the video-time grid, the one binning function, smoothing
  timestamps.py       time references in comment text (pure)
  colon_scan.py, mentions.py, stored_mentions.py   those references found in bulk, and kept
  comment_moments.py  mentions → ranked moments → clip spans (pure)
  heatmap.py          peaks of YouTube's "Most replayed" graph (pure)
"""
