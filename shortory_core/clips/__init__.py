"""Making shorts. ``short.py`` makes one short from its spec (``spec.py``): its edges
(``edges.py``, from ``scenes.py`` and ``pauses.py``), its picture in a layout (``layouts.py``,
``framing.py``; ``reframe.py`` and ``follow.py`` follow the faces), its captions
(``subtitles.py`` writes SRT and WebVTT, ``burn_in.py`` the words drawn on it) and the cut
(``render.py``, which copies between keyframes with ``smart_cut.py``; ``ffmpeg_run.py`` runs
every ffmpeg). ``rendering.py`` records the clips asked for and queues their ``render`` jobs
(run by ``kinds/rendering.py``); ``preview.py`` makes the pages' small copy of a video;
``library.py`` packs finished clips."""
