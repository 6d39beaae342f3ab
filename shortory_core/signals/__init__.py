"""Signals: each turns one kind of audience evidence into values keyed on video time.

  timestamps.py       time references in comment text (pure)
  comment_moments.py  mentions → ranked moments → clip spans (pure)
  heatmap.py          peaks of YouTube's "Most replayed" graph (pure)
"""
