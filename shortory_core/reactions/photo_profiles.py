"""A viewer's profile from a folder of their labelled photos (one sub-folder per emotion).

The Watch page's guided calibration asks the viewer to pull faces in front of the camera; an
analyst who already holds labelled photos of a viewer (a study's intake shots, a posed set)
builds the same profile from them: the face in each photo is found with the photo detectors,
read by the model, and ``vision.profiles.fit_profile`` fits the profile, which is saved for that
viewer and model as a calibration's is. The report says how many photos were used per emotion
and why the others were not (no face found, a folder named like no emotion, an unreadable file).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shortory_core.errors import ShortoryError
from shortory_core.names import normalise_name
from shortory_core.store import Store
from shortory_core.vision.cards import ModelCard
from shortory_core.vision.ensemble import emotion_classifier
from shortory_core.vision.evaluate import read_labelled_folder
from shortory_core.vision.face_detector import photo_detectors
from shortory_core.vision.profiles import Profile, fit_profile

NO_LABEL = "no model label matches"  # how read_labelled_folder says a folder is no emotion


@dataclass(frozen=True)
class PhotoProfile:
    """A saved profile and what went into it."""

    profile: Profile
    used: dict[str, int]  # photos per product emotion
    skipped: dict[str, str]  # file (or folder) → why it was not used

    def reasons(self) -> dict[str, int]:
        """How many photos (or folders) were left out, per plain reason."""
        return reason_counts(self.skipped)

    def summary(self) -> str:
        used = ", ".join(f"{n} {e}" for e, n in self.used.items())
        left = "; ".join(f"{n} {why}" for why, n in self.reasons().items())
        return (f"Saved {self.profile.name}'s profile for {self.profile.model} from "
                f"{sum(self.used.values())} photos ({used})"
                + (f". Not used: {left}." if left else "."))


def reason_counts(skipped: dict[str, str]) -> dict[str, int]:
    """How many photos (or folders) were left out, per plain reason."""
    return dict(Counter(plain_reason(why) for why in skipped.values()))


def plain_reason(why: str) -> str:
    """A skip reason as a report groups it (the file's own reason stays in ``skipped``)."""
    if why.startswith(NO_LABEL):
        return "folder named like no emotion"
    if why in ("no face found", "a flat image (no face in it)"):
        return "no face found"
    return "unreadable or too large"


def profile_from_photos(store: Store, viewer: str, folder: Path, card: ModelCard, *,
                        detect: bool = True, replace: bool = False) -> PhotoProfile:
    """Fit and save ``viewer``'s profile for ``card`` from ``folder``'s labelled photos
    (``detect=False``: the photos are face crops already). ``ShortoryError`` says what is
    missing: a profile already there (unless ``replace``), no usable photo, too few emotions."""
    viewer = normalise_name(viewer, "A viewer's name")
    if not replace and store.profile(viewer, card.name) is not None:
        raise ShortoryError(f"{viewer} already has a profile for {card.name}; replace it "
                            "(--replace on the command line) to fit it again from these "
                            "photos.")
    faces = read_labelled_folder(Path(folder), emotion_classifier(card),
                                 photo_detectors() if detect else ())
    examples = faces.examples(card.labels, card.product_mapping)
    try:
        profile = fit_profile(viewer, card.name, examples)
    except ValueError as exc:
        left = reason_counts(faces.skipped)
        raise ShortoryError(str(exc) + (" Not used: " + "; ".join(
            f"{n} {why}" for why, n in left.items()) + "." if left else "")) from exc
    store.save_profile(profile)
    return PhotoProfile(profile, dict(Counter(x.emotion for x in examples)), faces.skipped)
