// A plain page that runs the browser pipeline on the camera and puts what it read on
// `window.shortoryBench`, for the agreement test and `bench --only browser`.
//   bench.html?frames=N&card=CARD.json&keep=1&iris=0
// keep=1 keeps the exact RGBA pixels of every analysed frame (`pixels(i)`, base64), so Python
// can analyse the very same frames. A calibration (what remote/calibration.py's
// calibration_for_browser gives) set as `window.shortoryBenchCalibration` before the page loads is applied to every
// reading, as the watch mode applies it.
import { Calibration } from './calibration.js';
import { FrameGrabber, startCamera, stopCamera } from './camera.js';
import { VisionEngine, dominant } from './engine.js';

const params = new URLSearchParams(location.search);
const frames = Number(params.get('frames') ?? 60);
const WARM_UP = 5; // frames read before the clock starts: the first runs compile and allocate
const keep = params.get('keep') === '1';
const status = document.getElementById('status');
const kept = [];
const bench = { state: 'loading', error: null, results: [], fps: null, loadSeconds: null,
  pixels: (i) => toBase64(kept[i]) };
window.shortoryBench = bench;

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

async function main() {
  const assetsUrl = new URL('./', location.href);
  const started = performance.now();
  const engine = await VisionEngine.create({
    assetsUrl, modelsUrl: new URL('../models/', assetsUrl),
    emotionCard: params.get('card'), useIris: params.get('iris') !== '0',
  });
  bench.loadSeconds = (performance.now() - started) / 1000;
  const video = document.getElementById('camera');
  const stream = await startCamera(video);
  const grabber = new FrameGrabber();
  const calibration = new Calibration(window.shortoryBenchCalibration ?? {});
  for (let i = 0; i < WARM_UP; i++) await engine.analyse(grabber.grab(video), i / 30);
  engine.reset();
  bench.state = 'running';
  status.textContent = 'Analysing…';
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const frame = grabber.grab(video);
    const t = (performance.now() - t0) / 1000;
    if (keep) kept.push(new Uint8Array(frame.data));
    const r = calibration.apply(await engine.analyse(frame, t));
    bench.results.push({ t, width: frame.width, height: frame.height, faceFound: r.faceFound,
      nFaces: r.nFaces, dominant: dominant(r.emotions), emotions: r.emotions,
      attention: r.attention, head: r.head, eyes: r.eyes, gaze: r.gaze, yaw: r.yaw ?? null,
      pitch: r.pitch ?? null, ear: r.ear ?? null, box: r.box ?? null });
  }
  bench.fps = frames / ((performance.now() - t0) / 1000);
  stopCamera(stream);
  bench.state = 'done';
  status.textContent = `${frames} frames at ${bench.fps.toFixed(1)} frames/s`;
}

main().catch((error) => {
  bench.state = 'error';
  bench.error = error.message;
  status.textContent = `Stopped: ${error.message}`;
});
