"""Many viewers of one video as a panel: which sessions count (``quality.py``: the one verdict
every page and command uses), every viewer on one grid (``grids.py``), what they share
(``stats.py``), and how that stands against every earlier study (``norms.py``)."""
