"""468 face landmarks (MediaPipe face mesh) and iris points, on crops that follow the face.

The mesh model wants the face upright and centred: the crop is rotated so the eyes are level
(from the detector's eye keypoints) and 1.5× the face box, as MediaPipe does. Points come back
in frame pixels (z in the same scale, relative depth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from shortory_core.vision.cards import ModelCard, OnnxModel
from shortory_core.vision.face_detector import Face

CROP_SCALE = 1.5
EYE_CROP_SCALE = 2.3

# Mesh indices (the subject's right eye appears on the image's left).
RIGHT_EYE = {"outer": 33, "inner": 133, "top": (160, 158), "bottom": (144, 153)}
LEFT_EYE = {"outer": 263, "inner": 362, "top": (385, 387), "bottom": (380, 373)}


@dataclass(frozen=True)
class Mesh:
    points: np.ndarray  # (468, 3) frame pixels
    score: float  # the model's face-presence probability


def _crop_transform(centre: tuple[float, float], size: float, angle: float, out: int
                    ) -> np.ndarray:
    """Affine (2×3) mapping frame pixels to a square crop of ``out`` pixels, rotated by
    ``angle`` radians about ``centre``."""
    cos, sin = math.cos(angle), math.sin(angle)
    scale = out / size
    cx, cy = centre
    # rotate by -angle about the centre, scale, then move the centre to the crop's middle
    return np.array([
        [scale * cos, scale * sin, out / 2 - scale * (cos * cx + sin * cy)],
        [-scale * sin, scale * cos, out / 2 - scale * (-sin * cx + cos * cy)],
    ], np.float32)


def _to_frame(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    inverse = cv2.invertAffineTransform(transform)
    xy = points[:, :2] @ inverse[:, :2].T + inverse[:, 2]
    scale = math.hypot(inverse[0, 0], inverse[1, 0])
    return np.column_stack([xy, points[:, 2] * scale])


class FaceMesh(OnnxModel):
    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card, threads)
        names = [o.name for o in self.session.get_outputs()]
        shapes = [o.shape[-1] for o in self.session.get_outputs()]
        self.points_name = names[int(np.argmax(shapes))]
        self.score_name = names[int(np.argmin(shapes))]

    def landmarks(self, rgb: np.ndarray, face: Face) -> Mesh:
        x0, y0, x1, y1 = face.box
        right_eye, left_eye = face.keypoints[0], face.keypoints[1]
        angle = math.atan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0])
        size = max(x1 - x0, y1 - y0) * CROP_SCALE
        transform = _crop_transform(((x0 + x1) / 2, (y0 + y1) / 2), size, angle, self.size)
        crop = cv2.warpAffine(rgb, transform, (self.size, self.size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)
        raw, logit = self.session.run([self.points_name, self.score_name],
                                      {self.input_name: self.card.normalise(crop)[None]})
        points = _to_frame(raw.reshape(468, 3), transform)
        score = 1.0 / (1.0 + math.exp(-float(np.clip(logit.ravel()[0], -80, 80))))
        return Mesh(points, score)


class IrisLocator(OnnxModel):
    """The iris centre of each eye, relative to that eye's corners."""

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card, threads)
        outputs = self.session.get_outputs()
        self.iris_name = min(outputs, key=lambda o: o.shape[-1]).name  # 5 points × 3

    def iris_centre(self, rgb: np.ndarray, outer: np.ndarray, inner: np.ndarray,
                    flip: bool) -> np.ndarray:
        """Iris centre (x, y) in frame pixels for the eye between two corner points.

        The model knows one eye (the subject's left); the other eye's crop is mirrored.
        """
        centre = (outer[:2] + inner[:2]) / 2
        width = float(np.linalg.norm(outer[:2] - inner[:2]))
        angle = math.atan2(inner[1] - outer[1], inner[0] - outer[0])
        if flip:
            angle = math.atan2(outer[1] - inner[1], outer[0] - inner[0])
        transform = _crop_transform((float(centre[0]), float(centre[1])),
                                    max(width * EYE_CROP_SCALE, 4.0), angle, self.size)
        crop = cv2.warpAffine(rgb, transform, (self.size, self.size), flags=cv2.INTER_LINEAR)
        if flip:
            crop = crop[:, ::-1]
        raw = self.session.run([self.iris_name],
                               {self.input_name: self.card.normalise(crop)[None]})[0]
        iris = raw.reshape(-1, 3)[0].copy()
        if flip:
            iris[0] = self.size - iris[0]
        return _to_frame(iris[None], transform)[0, :2]
