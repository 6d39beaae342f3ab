"""Highlights: every signal joined on video time (``timeline.py``), and the peaks worth cutting
(``peaks.py``): per emotion, so no emotion wins by a constant weight, and on a fused score."""
