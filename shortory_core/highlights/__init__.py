"""Highlights: every registered signal joined on video time (``timeline.py``), and the peaks
worth cutting (``peaks.py``): per emotion, so no emotion wins by a constant weight, and on a
fused score; what the user picked on the chart (``picking.py``), peaks as shorts
(``shorts.py``) and the shorts a mood calls for (``recommend.py``)."""
