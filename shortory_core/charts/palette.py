"""One colour per signal, the same on every chart: the Okabe–Ito palette, which stays
distinguishable with the common colour-vision deficiencies (and on a dark background)."""

from __future__ import annotations

EMOTION_COLOURS = {"happy": "#F0E442", "sad": "#0072B2", "angry": "#D55E00",
                   "neutral": "#999999", "surprise": "#CC79A7"}
ATTENTION_COLOUR = "#009E73"
FUSED_COLOUR = "#E69F00"
COMMENTS_COLOUR = "#56B4E9"
SIGNAL_COLOURS = EMOTION_COLOURS | {"attention": ATTENTION_COLOUR, "fused": FUSED_COLOUR}


def translucent(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as an ``rgba()`` of that opacity (for confidence bands)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
