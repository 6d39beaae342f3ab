"""BlazeFace face detection on ONNX: anchors, decoding and weighted non-max suppression.

The model outputs raw SSD regressions for a fixed grid of anchors (MediaPipe's layout: every
anchor is a unit square centred on its grid cell, several per cell). Each anchor's 16 numbers
are a box offset and size and six keypoints (eyes, nose tip, mouth, ears) in input pixels.

The frame is letterboxed to a square before resizing, so faces keep their shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from shortory_core.vision.cards import ModelCard, OnnxModel, default_card

NMS_IOU = 0.3


@dataclass(frozen=True)
class Face:
    """A detected face in frame pixels: box (x0, y0, x1, y1), score, six keypoints (x, y)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray  # (6, 2): right eye, left eye, nose, mouth, right ear, left ear

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return max(x1 - x0, 0.0) * max(y1 - y0, 0.0)


def make_anchors(input_size: int, strides: list[int], per_cell: list[int]) -> np.ndarray:
    """Anchor centres (N, 2) in 0..1, in the order the model emits them."""
    centres = []
    for stride, count in zip(strides, per_cell, strict=True):
        grid = int(np.ceil(input_size / stride))
        ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
        cells = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(cells, count, axis=0))
    return np.concatenate(centres).astype(np.float32)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of one box ``a`` (4,) with boxes ``b`` (N, 4)."""
    x0 = np.maximum(a[0], b[:, 0])
    y0 = np.maximum(a[1], b[:, 1])
    x1 = np.minimum(a[2], b[:, 2])
    y1 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                 threshold: float = NMS_IOU) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted NMS: overlapping detections are averaged, weighted by score.

    Averaging (rather than keeping the single best) steadies the box from frame to frame.
    """
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    remaining = np.ones(len(scores), dtype=bool)
    merged = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        group = remaining & (iou(boxes[i], boxes) > threshold)
        group[i] = True
        weights = scores[group][:, None]
        box = (boxes[group] * weights).sum(0) / weights.sum()
        points = (keypoints[group] * weights[:, :, None]).sum(0) / weights.sum()
        merged.append((box, points, float(scores[i])))
        remaining &= ~group
    return merged


class FaceDetector(OnnxModel):
    """Faces in a frame, with either BlazeFace model (short range: webcam; full: small faces)."""

    def __init__(self, card: ModelCard, threads: int = 1) -> None:
        super().__init__(card, threads)
        self.anchors = make_anchors(self.size, card.extra["strides"],
                                    card.extra["anchors_per_cell"])
        self.threshold = float(card.extra.get("score_threshold", 0.5))
        outputs = self.session.get_outputs()
        self.output_names = sorted((o.name for o in outputs),
                                   key=lambda n: -self._output_width(n, outputs))

    @staticmethod
    def _output_width(name: str, outputs: list) -> int:
        return next(int(o.shape[-1]) for o in outputs if o.name == name)

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 frame, most confident first."""
        height, width = rgb.shape[:2]
        side = max(height, width)
        scale = self.size / side
        inner = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.zeros((self.size, self.size, 3), np.uint8)
        pad_y, pad_x = (self.size - inner[1]) // 2, (self.size - inner[0]) // 2
        small[pad_y:pad_y + inner[1], pad_x:pad_x + inner[0]] = cv2.resize(
            rgb, inner, interpolation=cv2.INTER_AREA)
        top, left = pad_y / scale, pad_x / scale  # the padding, in frame pixels
        tensor = self.card.normalise(small)[None]
        regressors, logits = self.session.run(self.output_names, {self.input_name: tensor})
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits[0, :, 0], -80, 80)))
        keep = scores >= self.threshold
        if not keep.any():
            return []
        raw = regressors[0, keep] / self.size
        anchors = self.anchors[keep]
        centres = raw[:, :2] + anchors
        half = raw[:, 2:4] / 2
        boxes = np.concatenate([centres - half, centres + half], axis=1)
        points = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
        faces = []
        for box, kps, score in weighted_nms(boxes, points, scores[keep]):
            box_px = box * side - np.array([left, top, left, top])
            kps_px = kps * side - np.array([left, top])
            x0, y0, x1, y1 = np.clip(box_px, [0, 0, 0, 0], [width, height, width, height])
            if x1 - x0 > 2 and y1 - y0 > 2:
                faces.append(Face((float(x0), float(y0), float(x1), float(y1)), score, kps_px))
        return faces


def photo_detectors(threads: int = 1) -> tuple[FaceDetector, FaceDetector]:
    """For whole photos of any framing: the full-range model first (small faces), then the
    short-range one (a face filling the photo, which the full-range model missed in 10 of 63
    fixture frames)."""
    return (FaceDetector(default_card("face_detection_full"), threads),
            FaceDetector(default_card("face_detection_short"), threads))
