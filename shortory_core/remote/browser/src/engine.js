// One frame in, one reading out (a port of shortory_core/vision/engine.py): the detector runs
// when there is no face to follow, when the landmarks lose it, and at least every
// DETECT_EVERY_S; in between the face is followed from the previous frame's landmarks.
import { AttentionTracker, irisOffset } from './attention.js';
import { FaceDetector, area, iou } from './detector.js';
import { emotionClassifier } from './emotion.js';
import { FaceMesh, IrisLocator, LEFT_EYE, RIGHT_EYE } from './mesh.js';
import { loadCard, openModel, startRuntime } from './models.js';
import { Profile } from './profile.js';

export const TRACK_IOU = 0.3;
export const MIN_MESH_SCORE = 0.5;
export const DETECT_EVERY_S = 0.5;

/** The detector's kind of box and keypoints implied by landmarks (engine.face_from_mesh). */
export function faceFromMesh(points, score) {
  const mean = (...ids) => [0, 1].map((k) => ids.reduce((s, i) => s + points[i][k], 0) / ids.length);
  const left = points[234][0];
  const right = points[454][0];
  const brows = (points[70][1] + points[300][1]) / 2;
  const bottom = points[152][1];
  const top = brows - 0.15 * (bottom - brows);
  return {
    box: [Math.min(left, right), top, Math.max(left, right), bottom], score,
    keypoints: [mean(33, 133), mean(263, 362), mean(1), mean(13), mean(234), mean(454)],
  };
}

const ABSENT = { faceFound: false, nFaces: 0, emotions: null, attention: 0, head: 0, eyes: 0, gaze: null };

export class VisionEngine {
  /** Models from `modelsUrl` (the app's /remote/models/), the runtime from `assetsUrl`;
   * `emotionCard` a card's file name; `profile` a Profile.to_json text or null. */
  static async create({ assetsUrl, modelsUrl, emotionCard = null, detector = 'short',
    useIris = true, profile = null }) {
    await startRuntime(assetsUrl);
    const index = await (await fetch(new URL('index.json', modelsUrl))).json();
    const open = async (file) => openModel(modelsUrl, await loadCard(modelsUrl, file));
    const engine = new VisionEngine();
    engine.detector = new FaceDetector(await open(index.defaults[`face_detection_${detector}`]));
    engine.mesh = new FaceMesh(await open(index.defaults.face_landmarks));
    engine.iris = useIris ? new IrisLocator(await open(index.defaults.iris_landmarks)) : null;
    engine.emotion = await emotionClassifier(modelsUrl, emotionCard ?? index.defaults.emotion,
      index.cards);
    engine.profile = profile ? new Profile(profile) : null;
    engine.attention = new AttentionTracker();
    engine.reset();
    return engine;
  }

  reset() {
    this.viewerBox = null;
    this.followed = null;
    this.facesSeen = 0;
    this.detectedAt = -Infinity;
    this.attention.reset();
  }

  /** Analyse one RGBA frame {data, width, height, channels: 4} shown at `t` seconds. */
  async analyse(frame, t) {
    let faces = [];
    let viewer = null;
    let mesh = null;
    const due = !(t - this.detectedAt >= 0 && t - this.detectedAt < DETECT_EVERY_S);
    if (this.followed && !due) {
      viewer = this.followed;
      mesh = await this.mesh.landmarks(frame, viewer);
      if (mesh.score < MIN_MESH_SCORE) { viewer = null; mesh = null; }
    }
    if (!viewer) {
      faces = await this.detector.detect(frame);
      this.facesSeen = faces.length;
      this.detectedAt = t;
      viewer = this.chooseViewer(faces);
      mesh = viewer ? await this.mesh.landmarks(frame, viewer) : null;
      if (!mesh || mesh.score < MIN_MESH_SCORE) {
        // a face the mesh does not confirm is no face (engine.py says why)
        this.followed = null;
        this.attention.absent();
        return { t, ...ABSENT };
      }
    }
    const scores = await this.emotion.classify(frame, viewer.box);
    this.followed = faceFromMesh(mesh.points, mesh.score);
    const reading = this.attention.update(t, mesh.points, await this.gaze(frame, mesh.points));
    const emotions = this.profile ? this.profile.adjust(scores.product, scores.features)
      : scores.product;
    return {
      t, faceFound: true, nFaces: Math.max(this.facesSeen, 1), box: viewer.box,
      emotions, modelEmotions: scores.product, features: scores.features, ...reading,
    };
  }

  /** The largest face at first, then the one overlapping where the viewer was. */
  chooseViewer(faces) {
    if (!faces.length) return null;
    let chosen = null;
    if (this.viewerBox) {
      let best = -1;
      let overlap = -1;
      faces.forEach((f, i) => {
        const o = iou(this.viewerBox, f.box);
        if (o > overlap) { overlap = o; best = i; }
      });
      if (overlap >= TRACK_IOU) chosen = faces[best];
    }
    if (!chosen) chosen = faces.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
    this.viewerBox = chosen.box;
    return chosen;
  }

  async gaze(frame, points) {
    if (!this.iris) return null;
    const offsets = [];
    for (const [eye, flip] of [[RIGHT_EYE, true], [LEFT_EYE, false]]) {
      const outer = points[eye.outer];
      const inner = points[eye.inner];
      offsets.push(irisOffset(outer, inner, await this.iris.irisCentre(frame, outer, inner, flip)));
    }
    return offsets;
  }
}

/** The dominant emotion of a reading's emotions (null when no face). */
export function dominant(emotions) {
  if (!emotions) return null;
  return Object.keys(emotions).reduce((a, b) => (emotions[b] > emotions[a] ? b : a));
}
