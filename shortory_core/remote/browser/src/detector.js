// BlazeFace face detection (a port of shortory_core/vision/face_detector.py): the frame
// letterboxed to a square, MediaPipe's SSD anchors, box and keypoint decoding, sigmoid scores
// and weighted non-max suppression.
import { normalise, picture, resizeArea } from './image.js';
import { byWidth } from './models.js';

export const NMS_IOU = 0.3;

/** Anchor centres in 0..1, in the order the model emits them (face_detector.make_anchors). */
export function makeAnchors(inputSize, strides, perCell) {
  const centres = [];
  strides.forEach((stride, i) => {
    const grid = Math.ceil(inputSize / stride);
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        for (let k = 0; k < perCell[i]; k++) {
          centres.push([Math.fround((x + 0.5) / grid), Math.fround((y + 0.5) / grid)]);
        }
      }
    }
  });
  return centres;
}

/** IoU of one box with another, both [x0, y0, x1, y1]. */
export function iou(a, b) {
  const w = Math.max(Math.min(a[2], b[2]) - Math.max(a[0], b[0]), 0);
  const h = Math.max(Math.min(a[3], b[3]) - Math.max(a[1], b[1]), 0);
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return inter / Math.max(union, 1e-9);
}

export function area(box) {
  return Math.max(box[2] - box[0], 0) * Math.max(box[3] - box[1], 0);
}

/** MediaPipe's weighted NMS: overlapping detections averaged, weighted by score. */
export function weightedNms(found, threshold = NMS_IOU) {
  const order = [...found].sort((a, b) => b.score - a.score);
  const remaining = order.map(() => true);
  const merged = [];
  for (let i = 0; i < order.length; i++) {
    if (!remaining[i]) continue;
    const box = [0, 0, 0, 0];
    const points = order[i].points.map(() => [0, 0]);
    let total = 0;
    for (let j = 0; j < order.length; j++) {
      if (!remaining[j] || (j !== i && !(iou(order[i].box, order[j].box) > threshold))) continue;
      const w = order[j].score;
      total += w;
      for (let k = 0; k < 4; k++) box[k] += order[j].box[k] * w;
      order[j].points.forEach((p, k) => { points[k][0] += p[0] * w; points[k][1] += p[1] * w; });
      remaining[j] = false;
    }
    merged.push({
      box: box.map((v) => v / total),
      points: points.map(([x, y]) => [x / total, y / total]),
      score: order[i].score,
    });
  }
  return merged;
}

export class FaceDetector {
  constructor(model) {
    this.model = model;
    const extra = model.card.extra;
    this.anchors = makeAnchors(model.size, extra.strides, extra.anchors_per_cell);
    this.threshold = extra.score_threshold ?? 0.5;
  }

  /** Faces in a frame, most confident first: {box, score, keypoints (6 × [x, y])}. */
  async detect(frame) {
    const size = this.model.size;
    const { width, height } = frame;
    const side = Math.max(width, height);
    const scale = size / side;
    const iw = Math.max(1, Math.round(width * scale));
    const ih = Math.max(1, Math.round(height * scale));
    const inner = resizeArea(frame, iw, ih);
    const padY = Math.floor((size - ih) / 2);
    const padX = Math.floor((size - iw) / 2);
    const small = new Uint8Array(size * size * 3);
    for (let y = 0; y < ih; y++) {
      small.set(inner.data.subarray(y * iw * 3, (y + 1) * iw * 3), ((padY + y) * size + padX) * 3);
    }
    const top = padY / scale;
    const left = padX / scale;
    const outputs = await this.model.run(
      normalise(picture(small, size, size, 3), this.model.card.normalisation), 3);
    const [regName, logitName] = byWidth(outputs);
    const reg = outputs[regName].data;
    const logits = outputs[logitName].data;
    const found = [];
    for (let i = 0; i < this.anchors.length; i++) {
      const logit = Math.min(Math.max(logits[i], -80), 80);
      const score = 1 / (1 + Math.exp(-logit));
      if (score < this.threshold) continue;
      const r = reg.subarray(i * 16, i * 16 + 16);
      const [ax, ay] = this.anchors[i];
      const cx = Math.fround(r[0] / size) + ax;
      const cy = Math.fround(r[1] / size) + ay;
      const hw = Math.fround(r[2] / size) / 2;
      const hh = Math.fround(r[3] / size) / 2;
      const points = [];
      for (let k = 0; k < 6; k++) {
        points.push([Math.fround(r[4 + 2 * k] / size) + ax, Math.fround(r[5 + 2 * k] / size) + ay]);
      }
      found.push({ box: [cx - hw, cy - hh, cx + hw, cy + hh], points, score });
    }
    const faces = [];
    for (const { box, points, score } of weightedNms(found)) {
      const x0 = clamp(box[0] * side - left, 0, width);
      const y0 = clamp(box[1] * side - top, 0, height);
      const x1 = clamp(box[2] * side - left, 0, width);
      const y1 = clamp(box[3] * side - top, 0, height);
      if (x1 - x0 > 2 && y1 - y0 > 2) {
        faces.push({
          box: [x0, y0, x1, y1], score,
          keypoints: points.map(([x, y]) => [x * side - left, y * side - top]),
        });
      }
    }
    return faces;
  }
}

function clamp(v, lo, hi) {
  return Math.min(Math.max(v, lo), hi);
}
