// Attention in [0, 1] from face landmarks: head × eyes × gaze (a port of
// shortory_core/vision/attention.py; the constants and their reasons are written there).
import { LEFT_EYE, RIGHT_EYE } from './mesh.js';

export const HEAD_FREE_DEG = 20;
export const HEAD_FALLOFF_DEG = 25;
export const EAR_CLOSED = 0.12;
export const BLINK_S = 0.4;
export const CLOSED_ZERO_S = 2;
export const GAZE_FREE = 0.35;
export const GAZE_ZERO = 0.9;

const DEG = 180 / Math.PI;

function falloff(value, free, zero) {
  const excess = Math.abs(value) - free;
  return excess > 0 ? Math.min(Math.max(1 - excess / (zero - free), 0), 1) : 1;
}

export function headAngles(points) {
  const across = [0, 1, 2].map((k) => points[454][k] - points[234][k]);
  const down = [0, 1, 2].map((k) => points[152][k] - points[10][k]);
  return [Math.atan2(across[2], Math.hypot(across[0], across[1])) * DEG,
    Math.atan2(-down[2], Math.hypot(down[0], down[1])) * DEG];
}

const distance = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);

export function eyeAspectRatio(points) {
  let sum = 0;
  for (const eye of [RIGHT_EYE, LEFT_EYE]) {
    const width = distance(points[eye.outer], points[eye.inner]);
    const gaps = eye.top.map((t, i) => distance(points[t], points[eye.bottom[i]]));
    sum += ((gaps[0] + gaps[1]) / 2) / Math.max(width, 1e-6);
  }
  return sum / 2;
}

/** Iris position along the eye: −1 at the outer corner, +1 at the inner. */
export function irisOffset(outer, inner, iris) {
  const ax = inner[0] - outer[0];
  const ay = inner[1] - outer[1];
  const t = ((iris[0] - outer[0]) * ax + (iris[1] - outer[1]) * ay) / Math.max(ax * ax + ay * ay, 1e-6);
  return 2 * t - 1;
}

export class AttentionTracker {
  constructor() {
    this.closedSince = null;
  }

  reset() {
    this.closedSince = null;
  }

  absent() {
    this.closedSince = null;
  }

  update(t, points, gazeOffsets) {
    const [yaw, pitch] = headAngles(points);
    const limit = HEAD_FREE_DEG + HEAD_FALLOFF_DEG;
    const head = falloff(yaw, HEAD_FREE_DEG, limit) * falloff(pitch, HEAD_FREE_DEG, limit);
    const ear = eyeAspectRatio(points);
    const eyes = this.eyes(t, ear);
    let gaze = null;
    if (gazeOffsets && gazeOffsets.length) {
      const direction = gazeOffsets.length === 2 ? (gazeOffsets[0] - gazeOffsets[1]) / 2
        : gazeOffsets[0];
      gaze = falloff(direction, GAZE_FREE, GAZE_ZERO);
    }
    return { attention: head * eyes * (gaze ?? 1), head, eyes, gaze, yaw, pitch, ear };
  }

  eyes(t, ear) {
    if (ear >= EAR_CLOSED) {
      this.closedSince = null;
      return 1;
    }
    if (this.closedSince === null) this.closedSince = t;
    const closedFor = t - this.closedSince;
    if (closedFor <= BLINK_S) return 1;
    return Math.min(Math.max(1 - (closedFor - BLINK_S) / (CLOSED_ZERO_S - BLINK_S), 0), 1);
  }
}
