"""A viewer's reaction as samples on video time: recorded videos analysed offline here
(``recording.py``, ``sessions.py``); live webcam sessions (``live/``) write the same samples."""
