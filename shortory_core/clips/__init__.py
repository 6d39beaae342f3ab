"""Cutting clips: ``render.py`` runs ffmpeg on one span, ``rendering.py`` records the clips
asked for and queues their ``render`` jobs (run by ``kinds/rendering.py``), ``framing.py``
frames a short in any layout (``reframe.py`` and ``follow.py`` follow the faces),
``caption.py`` draws captions, ``preview.py`` makes the pages' small copy of a video,
``library.py`` packs finished clips."""
