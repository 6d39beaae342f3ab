"""One colour per signal, the same on every chart. Each signal carries its own colour (the
Okabe–Ito palette, distinguishable with the common colour-vision deficiencies); this module
reads them from the registry and adds the one line that is not a signal, fused interest."""

from __future__ import annotations

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.signals.registry import SIGNALS

FUSED_COLOUR = "#E69F00"
EMOTION_COLOURS = {e: SIGNALS[e].colour for e in PRODUCT_EMOTIONS}
ATTENTION_COLOUR = SIGNALS["attention"].colour
SIGNAL_COLOURS = {s.name: s.colour for s in SIGNALS} | {"fused": FUSED_COLOUR}


def translucent(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as an ``rgba()`` of that opacity (for confidence bands)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
