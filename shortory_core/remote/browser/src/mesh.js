// 468 face landmarks and iris centres on crops that follow the face (a port of
// shortory_core/vision/face_mesh.py): the crop rotated so the eyes are level, 1.5× the face
// box; the iris crops 2.3× the eye's width, the right eye mirrored.
import { flipX, invertAffine, normalise, warpAffine } from './image.js';
import { byWidth } from './models.js';

export const CROP_SCALE = 1.5;
export const EYE_CROP_SCALE = 2.3;
export const RIGHT_EYE = { outer: 33, inner: 133, top: [160, 158], bottom: [144, 153] };
export const LEFT_EYE = { outer: 263, inner: 362, top: [385, 387], bottom: [380, 373] };

/** The 2×3 transform (flat) from frame pixels to a square crop of `out` px, rotated by
 * `angle` radians about `centre` (face_mesh._crop_transform, in float32 as there). */
export function cropTransform(centre, size, angle, out) {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const scale = out / size;
  const [cx, cy] = centre;
  return [
    scale * cos, scale * sin, out / 2 - scale * (cos * cx + sin * cy),
    -scale * sin, scale * cos, out / 2 - scale * (-sin * cx + cos * cy),
  ].map(Math.fround);
}

/** Crop points (x, y, z) back to frame pixels, z scaled alike (face_mesh._to_frame). */
export function toFrame(points, transform) {
  const inv = invertAffine(transform);
  const scale = Math.hypot(inv[0], inv[3]);
  return points.map(([x, y, z]) => [
    x * inv[0] + y * inv[1] + inv[2], x * inv[3] + y * inv[4] + inv[5], z * scale,
  ]);
}

export class FaceMesh {
  constructor(model) {
    this.model = model;
  }

  /** {points: 468 × [x, y, z] frame px, score: face-presence probability} for a face. */
  async landmarks(frame, face) {
    const [x0, y0, x1, y1] = face.box;
    const [right, left] = face.keypoints;
    const angle = Math.atan2(left[1] - right[1], left[0] - right[0]);
    const size = Math.max(x1 - x0, y1 - y0) * CROP_SCALE;
    const transform = cropTransform([(x0 + x1) / 2, (y0 + y1) / 2], size, angle, this.model.size);
    const crop = warpAffine(frame, transform, this.model.size);
    const outputs = await this.model.run(normalise(crop, this.model.card.normalisation), 3);
    const names = byWidth(outputs);
    const raw = outputs[names[0]].data;
    const logit = outputs[names[names.length - 1]].data[0];
    const points = [];
    for (let i = 0; i < 468; i++) points.push([raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]]);
    const score = 1 / (1 + Math.exp(-Math.min(Math.max(logit, -80), 80)));
    return { points: toFrame(points, transform), score };
  }
}

export class IrisLocator {
  constructor(model) {
    this.model = model;
  }

  /** The iris centre [x, y] in frame px of the eye between two corners. */
  async irisCentre(frame, outer, inner, flip) {
    const centre = [(outer[0] + inner[0]) / 2, (outer[1] + inner[1]) / 2];
    const width = Math.hypot(outer[0] - inner[0], outer[1] - inner[1]);
    const angle = flip ? Math.atan2(outer[1] - inner[1], outer[0] - inner[0])
      : Math.atan2(inner[1] - outer[1], inner[0] - outer[0]);
    const size = this.model.size;
    const transform = cropTransform(centre, Math.max(width * EYE_CROP_SCALE, 4), angle, size);
    let crop = warpAffine(frame, transform, size);
    if (flip) crop = flipX(crop);
    const outputs = await this.model.run(normalise(crop, this.model.card.normalisation), 3);
    const names = byWidth(outputs);
    const iris = outputs[names[names.length - 1]].data;
    const x = flip ? size - iris[0] : iris[0];
    const [[fx, fy]] = toFrame([[x, iris[1], iris[2]]], transform);
    return [fx, fy];
  }
}
