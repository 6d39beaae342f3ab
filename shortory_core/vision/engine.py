"""One frame in, one typed record out: the call every reaction path (live or recorded) makes.

Per frame: find the viewer's face → 468 landmarks → attention, and the emotion of every face
seen, in one batch (the viewer's is the one recorded).

Finding the face follows MediaPipe's own pipeline: the detector runs when there is no face to
follow, when the landmarks lose it, and at least every ``DETECT_EVERY_S`` (to count faces and
notice a new one); in between, the face is followed from the previous frame's landmarks, which
saves the detector's cost on most frames. ``n_faces`` is the count of the latest detection.

Heavy objects (ONNX sessions) are built once per engine; an engine holds one viewer's state
(the followed face, eye closure), so each session gets its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from shortory_core.config import MODELS_DIR
from shortory_core.vision.attention import AttentionTracker, iris_offset
from shortory_core.vision.cards import ModelCard, default_card
from shortory_core.vision.ensemble import emotion_classifier
from shortory_core.vision.face_detector import Face, FaceDetector, iou
from shortory_core.vision.face_mesh import LEFT_EYE, RIGHT_EYE, FaceMesh, IrisLocator

TRACK_IOU = 0.3
MIN_MESH_SCORE = 0.5
DETECT_EVERY_S = 0.5


@dataclass(frozen=True)
class FrameAnalysis:
    """What one frame says about the viewer. Emotions are ``None`` when no face was found:
    an absent face is data (attention 0), not an error."""

    t: float
    face_found: bool
    n_faces: int
    box: tuple[float, float, float, float] | None = None
    emotions: dict[str, float] | None = None
    raw_emotions: dict[str, float] | None = None
    attention: float = 0.0
    head_pose: float = 0.0
    eyes_open: float = 0.0
    gaze: float | None = None
    yaw: float = 0.0
    pitch: float = 0.0
    ear: float = 0.0
    extra: dict = field(default_factory=dict)
    features: np.ndarray | None = field(default=None, repr=False)  # for viewer profiles

    @property
    def dominant(self) -> str | None:
        if not self.emotions:
            return None
        return max(self.emotions, key=self.emotions.__getitem__)


def face_from_mesh(points: np.ndarray, score: float) -> Face:
    """The face box and keypoints implied by landmarks, to follow a face without detecting.

    The box is the detector's kind of box (brows to chin, cheek to cheek), so the emotion crop
    looks the same whichever way the face was found.
    """
    xy = points[:, :2]
    left, right = xy[234, 0], xy[454, 0]
    brows, bottom = xy[[70, 300], 1].mean(), xy[152, 1]
    top = brows - 0.15 * (bottom - brows)  # the detector's box reaches a little above brows
    keypoints = np.array([
        xy[[33, 133]].mean(0), xy[[263, 362]].mean(0), xy[1], xy[13], xy[234], xy[454],
    ])
    return Face((float(min(left, right)), float(top), float(max(left, right)), float(bottom)),
                score, keypoints)


class VisionEngine:
    def __init__(
        self,
        detector: Literal["short", "full"] = "short",
        emotion_card: ModelCard | None = None,
        *,
        use_iris: bool = True,
        threads: int = 1,
        models_dir: Path = MODELS_DIR,
    ) -> None:
        self.detector = FaceDetector(default_card(f"face_detection_{detector}", models_dir),
                                     threads)
        self.mesh = FaceMesh(default_card("face_landmarks", models_dir), threads)
        self.iris = IrisLocator(default_card("iris_landmarks", models_dir), threads) \
            if use_iris else None
        self.emotion = emotion_classifier(emotion_card or default_card("emotion", models_dir),
                                          threads)
        self.attention = AttentionTracker()
        self._viewer_box: np.ndarray | None = None
        self._followed: Face | None = None  # from the previous frame's landmarks
        self._faces_seen = 0
        self._detected_at = -np.inf

    def reset(self) -> None:
        """Forget the tracked viewer and eye state (a new recording or session)."""
        self._viewer_box = None
        self._followed = None
        self._faces_seen = 0
        self._detected_at = -np.inf
        self.attention.reset()

    def analyse(self, frame: np.ndarray, t: float, colour: Literal["bgr", "rgb"] = "bgr"
                ) -> FrameAnalysis:
        """Analyse one frame shown at time ``t`` (seconds, any clock the caller keeps)."""
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if colour == "bgr" else frame
        faces: list[Face] = []
        viewer, mesh = None, None
        due = not (0.0 <= t - self._detected_at < DETECT_EVERY_S)
        if self._followed is not None and not due:
            viewer = self._followed
            mesh = self.mesh.landmarks(rgb, viewer)
            if mesh.score < MIN_MESH_SCORE:
                viewer, mesh = None, None  # lost it: look again
        if viewer is None:
            faces = self.detector.detect(rgb)
            self._faces_seen, self._detected_at = len(faces), t
            viewer = self._choose_viewer(faces)
            mesh = self.mesh.landmarks(rgb, viewer) if viewer is not None else None
            if mesh is None or mesh.score < MIN_MESH_SCORE:
                # No face, or the detector's "face" is one the face mesh does not confirm: a
                # round shape of face size (Chromium's fake camera) fooled it in 35% of
                # frames, and the mesh's face-presence score was 0.0 on every one of them
                # (1.0 on every frame of the real fixture faces).
                self._followed = None
                self.attention.absent()
                return FrameAnalysis(t=t, face_found=False, n_faces=0)
        others = [f for f in faces if f is not viewer]
        scores = self.emotion.classify(rgb, [viewer.box] + [f.box for f in others])
        self._followed = face_from_mesh(mesh.points, mesh.score)
        reading = self.attention.update(t, mesh.points, self._gaze(rgb, mesh.points))
        return FrameAnalysis(
            t=t, face_found=True, n_faces=max(self._faces_seen, 1), box=viewer.box,
            emotions=scores[0].product, raw_emotions=scores[0].raw,
            attention=reading.attention, head_pose=reading.head, eyes_open=reading.eyes,
            gaze=reading.gaze, yaw=reading.yaw, pitch=reading.pitch, ear=reading.ear,
            extra={"all_faces": [s.product for s in scores]} if others else {},
            features=scores[0].features,
        )

    def _choose_viewer(self, faces: list[Face]) -> Face | None:
        """The viewer is the largest face at first, then the face that overlaps where the
        viewer was (so a passer-by's bigger face does not take over)."""
        if not faces:
            return None
        chosen = None
        if self._viewer_box is not None:
            overlaps = iou(self._viewer_box, np.array([f.box for f in faces]))
            best = int(np.argmax(overlaps))
            if overlaps[best] >= TRACK_IOU:
                chosen = faces[best]
        if chosen is None:
            chosen = max(faces, key=lambda f: f.area)
        self._viewer_box = np.array(chosen.box)
        return chosen

    def _gaze(self, rgb: np.ndarray, points: np.ndarray) -> list[float] | None:
        if self.iris is None:
            return None
        offsets = []
        for eye, flip in ((RIGHT_EYE, True), (LEFT_EYE, False)):
            outer, inner = points[eye["outer"]], points[eye["inner"]]
            centre = self.iris.iris_centre(rgb, outer, inner, flip)
            offsets.append(iris_offset(outer, inner, centre))
        return offsets
