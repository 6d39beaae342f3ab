"""Cutting clips: ``render.py`` runs ffmpeg on one span, ``rendering.py`` records the clips
asked for and queues their ``render`` jobs (run by ``kinds/rendering.py``), ``reframe.py``
follows a face for vertical clips, ``caption.py`` draws captions, ``preview.py`` makes the
pages' small copy of a video, ``library.py`` packs finished clips."""
