"""A project's finished shorts as a timeline an editor opens: OpenTimelineIO, written as
``.otio``, FCPXML, FCP 7 XML or a CMX 3600 EDL (``formats.py``)."""
