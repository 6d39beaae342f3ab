"""The registry of signals: the one list that the timeline, fusion, the studio chart and its
sliders, the exports and the panel loop over (see ``signal.py``).

The built-in signals register here as a plugin would: comment mentions and the "Most replayed"
heatmap (``crowd.py``), each product emotion, attention and the viewer count (``faces.py``),
and where words are spoken (``speech.py``).
``SIGNALS.added(signal)`` adds one for the length of a block (tests, experiments).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shortory_core.signals import crowd, faces, speech
from shortory_core.signals.signal import Signal


class Registry:
    """Signals by name, in the order they were registered (the chart's order)."""

    def __init__(self, signals: tuple[Signal, ...] = ()) -> None:
        self._signals: dict[str, Signal] = {}
        for signal in signals:
            self.register(signal)

    def register(self, signal: Signal) -> None:
        if signal.name in self._signals or signal.name in RESERVED:
            raise ValueError(f"a signal named {signal.name!r} exists already")
        self._signals[signal.name] = signal

    def unregister(self, name: str) -> None:
        self._signals.pop(name, None)

    @contextmanager
    def added(self, signal: Signal) -> Iterator[Signal]:
        self.register(signal)
        try:
            yield signal
        finally:
            self.unregister(signal.name)

    def __iter__(self) -> Iterator[Signal]:
        return iter(tuple(self._signals.values()))

    def __getitem__(self, name: str) -> Signal:
        return self._signals[name]

    def __contains__(self, name: object) -> bool:
        return name in self._signals

    def fused(self) -> tuple[Signal, ...]:
        """The signals that enter the fused interest score (each has a weight slider)."""
        return tuple(s for s in self if s.weight is not None)

    def per_viewer(self) -> tuple[Signal, ...]:
        """The signals that are a mean of one column of every viewer's samples."""
        return tuple(s for s in self if s.sample_column)

    def default_weights(self) -> dict[str, float]:
        return {s.name: float(s.weight) for s in self.fused() if s.weight is not None}


# Names that the timeline's own columns use.
RESERVED = frozenset({"video_time", "fused_interest"})

SIGNALS = Registry((*faces.SIGNALS, *crowd.SIGNALS, *speech.SIGNALS))
