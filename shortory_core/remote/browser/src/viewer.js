// The viewer's camera in the remote panel's page: what pages/viewer_camera.py mounts.
//   mount(component) is called by the component's inline loader with Streamlit's
//   {data, parentElement, setStateValue}; data.mode is 'check', 'calibrate' or 'watch'.
// Streamlit calls the loader again on every rerun of the page: a running mode with the same
// data keeps running (its camera, models and video untouched); other data restarts it.
import { FrameGrabber, startCamera, stopCamera } from './camera.js';
import { Calibration } from './calibration.js';
import { PRODUCT_EMOTIONS } from './emotion.js';
import { VisionEngine, dominant } from './engine.js';
import { SEND_EVERY_MS, SampleSender } from './samples.js';

export { VisionEngine, dominant };

const SAMPLE_EVERY_S = 0.2; // 5 samples a second, as offline analysis samples a recording
const CHECK_WINDOW_S = 2;
const CHECK_FACE_SHARE = 0.8;
const LIGHT = [50, 215]; // mean grey level of the face: darker or brighter reads poorly
const SENT_EVERY_MS = 10000; // how often the page hears the running count (each is a rerun)
const STOP_GRACE_MS = 1500; // a rerun unmounts and mounts again at once: not a real stop

const MESSAGES = {
  'no-webassembly': 'This browser cannot run the face analysis (WebAssembly is turned off or missing). Please open the link in a current Chrome, Edge, Firefox or Safari.',
  'camera-denied': 'The camera was not allowed. Allow it in the browser\'s address bar, then reload the page.',
  'no-camera': 'No camera was found. Connect a camera, or open the link on a device that has one.',
  'camera-failed': 'The camera could not be started. Close other programs that use it, then reload the page.',
  'models-failed': 'The face analysis could not be loaded. Please reload the page.',
  'video-failed': 'The video could not be played. Please reload the page.',
  'session-refused': 'The study no longer accepts this session (the link may have been withdrawn or revoked).',
  'analysis-failed': 'The face analysis stopped unexpectedly. Please reload the page.',
};

const CSS = `
.sv { font-family: inherit; color: inherit; }
.sv video.camera { width: 200px; border-radius: 6px; transform: scaleX(-1); background: #222; }
.sv video.film { width: 100%; max-height: 70vh; background: #000; border-radius: 6px; }
.sv .prompt { font-size: 1.6rem; font-weight: 600; margin: .5rem 0; }
.sv .status { margin: .4rem 0; }
.sv .error { padding: .8rem; border-radius: 6px; background: rgba(255, 80, 80, .15); }
`;

const controllers = new Map();
const engines = new Map();
let camera = null; // {stream, video}: one camera for every mode of the page

function engineFor(data) {
  const card = data.card ?? null;
  if (!engines.has(card)) {
    const assetsUrl = new URL('./', import.meta.url);
    engines.set(card, VisionEngine.create({
      assetsUrl, modelsUrl: new URL('../models/', assetsUrl), emotionCard: card,
    }).catch((error) => {
      engines.delete(card);
      throw new Error(error.message === 'no-webassembly' ? 'no-webassembly' : 'models-failed');
    }));
  }
  return engines.get(card);
}

async function cameraVideo() {
  if (!camera) {
    const video = document.createElement('video');
    video.className = 'camera';
    video.playsInline = true;
    video.autoplay = true;
    camera = startCamera(video).then((stream) => ({ stream, video })).catch((error) => {
      camera = null;
      throw error;
    });
  }
  return camera;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

class Controller {
  constructor(data, api) {
    this.data = data;
    this.api = api;
    this.signature = JSON.stringify(data);
    this.stopped = false;
    this.stopTimer = null;
    this.root = element('div', 'sv');
    this.root.append(element('style', null, CSS));
    this.status = element('p', 'status', 'Starting the camera…');
    this.root.append(this.status);
  }

  attach(parent, api) {
    this.api = api;
    clearTimeout(this.stopTimer);
    if (this.root.parentNode !== parent) parent.append(this.root);
  }

  stopSoon() {
    this.stopTimer = setTimeout(() => this.stop(), STOP_GRACE_MS);
  }

  stop() {
    this.stopped = true;
    this.onStop?.();
    this.root.remove();
    if (controllers.get(this.data.key) === this) controllers.delete(this.data.key);
    if (!controllers.size && camera) {
      camera.then(({ stream }) => stopCamera(stream)).catch(() => {});
      camera = null;
    }
  }

  fail(code) {
    this.status.replaceWith(element('p', 'error', MESSAGES[code] ?? code));
    this.api.setStateValue('error', code);
  }

  async start() {
    try {
      if (typeof WebAssembly !== 'object') throw new Error('no-webassembly');
      const [engine, cam] = await Promise.all([engineFor(this.data), cameraVideo()]);
      if (this.stopped) return;
      this.engine = engine;
      this.camera = cam;
      this.grabber = new FrameGrabber();
      engine.reset();
      await this[this.data.mode]();
    } catch (error) {
      if (!this.stopped) this.fail(error.message in MESSAGES ? error.message : 'analysis-failed');
    }
  }

  async read(t) {
    return this.engine.analyse(this.grabber.grab(this.camera.video), t);
  }

  /** Camera check: is a face seen, and is the light adequate, over the last 2 s? */
  async check() {
    this.root.prepend(this.camera.video);
    const recent = [];
    const t0 = performance.now();
    let verdict = null;
    while (!this.stopped) {
      const t = (performance.now() - t0) / 1000;
      const frame = this.grabber.grab(this.camera.video);
      const reading = await this.engine.analyse(frame, t);
      recent.push({ t, face: reading.faceFound, light: brightness(frame, reading.box) });
      while (recent[0].t < t - CHECK_WINDOW_S) recent.shift();
      const faceShare = recent.filter((w) => w.face).length / recent.length;
      const light = recent.reduce((s, w) => s + w.light, 0) / recent.length;
      const lightOk = light >= LIGHT[0] && light <= LIGHT[1];
      const ok = faceShare >= CHECK_FACE_SHARE && lightOk;
      this.status.textContent = !reading.faceFound ? 'Looking for your face… sit facing the screen.'
        : !lightOk ? (light < LIGHT[0] ? 'Your face is in the dark: turn on a light in front of you.'
          : 'Too much light on your face: move away from a bright window or lamp behind you.')
          : 'Your face is clearly seen.';
      if (t >= CHECK_WINDOW_S && ok !== verdict) {
        verdict = ok;
        this.api.setStateValue('check', {
          ok, face: faceShare >= CHECK_FACE_SHARE, face_share: round(faceShare),
          light: lightOk ? 'ok' : light < LIGHT[0] ? 'dark' : 'bright', brightness: round(light),
          fps: round(recent.length / Math.max(t - recent[0].t, 1e-3)),
        });
      }
      await pause(0);
    }
  }

  /** Guided calibration: each prompt in turn; the faces after the first moments of each are
   * kept as remote/calibration.py's calibration_from_browser reads them ({face, emo, feat,
   * att}: the model's own emotions, before any profile), for the server to fit the viewer's
   * calibration. */
  async calibrate() {
    const prompts = this.data.prompts ?? [];
    const settle = this.data.settle_s ?? 0.8;
    const every = this.data.sample_every_s ?? SAMPLE_EVERY_S;
    const text = element('p', 'prompt');
    this.root.prepend(text, this.camera.video);
    const collected = {};
    const t0 = performance.now();
    for (const prompt of prompts) {
      const start = (performance.now() - t0) / 1000;
      const frames = (collected[prompt.emotion] ??= []);
      for (let t = start; t < start + prompt.seconds && !this.stopped;
        t = (performance.now() - t0) / 1000) {
        text.textContent = prompt.instruction;
        this.status.textContent = `${Math.ceil(start + prompt.seconds - t)} s`;
        const reading = await this.read(t);
        if (t - start >= settle) {
          frames.push(reading.faceFound ? {
            face: true, att: reading.attention, feat: reading.features,
            emo: PRODUCT_EMOTIONS.map((e) => reading.modelEmotions[e]),
          } : { face: false });
        }
        await pause(every * 1000 - ((performance.now() - t0) / 1000 - t) * 1000);
      }
      if (this.stopped) return;
    }
    text.textContent = 'Thank you.';
    this.status.textContent = '';
    this.api.setStateValue('calibration', { prompts: collected, done: true });
  }

  /** The video, with the face read while it plays (and while paused): every sample stamped
   * with the video time shown, sent in batches, 'finish' posted when the video ends. */
  async watch() {
    const data = this.data;
    const film = element('video', 'film');
    film.src = new URL(data.video_url, document.baseURI).href;
    film.controls = true;
    film.playsInline = true;
    film.preload = 'auto';
    this.root.prepend(film, this.camera.video);
    this.status.textContent = 'Your face is read on this device; only numbers are sent.';
    const calibration = new Calibration(data.calibration ?? {});
    let lastReport = 0;
    const report = (force) => {
      if (force || performance.now() - lastReport >= SENT_EVERY_MS) {
        lastReport = performance.now();
        this.api.setStateValue('sent', sender.sent);
      }
    };
    const sender = new SampleSender(new URL(data.samples_url, document.baseURI).href,
      data.session_key, {
        onSent: () => report(false),
        onRefused: () => this.fail('session-refused'),
      });
    const ticker = setInterval(() => sender.flush(), SEND_EVERY_MS);
    const exit = () => sender.flushOnExit();
    window.addEventListener('pagehide', exit);
    this.onStop = () => {
      clearInterval(ticker);
      window.removeEventListener('pagehide', exit);
      exit();
      film.pause();
    };
    const failed = new Promise((_, reject) => film.addEventListener('error',
      () => reject(new Error('video-failed')), { once: true }));
    film.play().catch(() => {
      this.status.textContent = 'Press play to start the video.';
    });
    const every = data.sample_every_s ?? SAMPLE_EVERY_S;
    const t0 = performance.now();
    while (!this.stopped && !film.ended) {
      const src = (performance.now() - t0) / 1000;
      const shown = film.currentTime;
      const paused = film.paused;
      const reading = calibration.apply(await Promise.race([this.read(src), failed]));
      sender.add(reading, shown, src, paused);
      await pause(every * 1000 - (performance.now() - t0 - src * 1000));
    }
    if (this.stopped) return;
    clearInterval(ticker);
    while (sender.pending.length && !sender.refused) {
      await sender.flush();
      if (sender.pending.length) await pause(SEND_EVERY_MS);
    }
    if (sender.refused) return;
    await fetch(new URL(data.finish_url, document.baseURI).href, {
      method: 'POST', body: '{}',
      headers: { 'Content-Type': 'application/json', 'X-Shortory-Session': data.session_key },
    }).catch(() => {});
    this.status.textContent = 'The video has ended. Thank you!';
    report(true);
    this.api.setStateValue('ended', true);
  }
}

/** Mean grey level of the face box (of the whole frame when no face). */
function brightness(frame, box) {
  const [x0, y0, x1, y1] = (box ?? [0, 0, frame.width, frame.height]).map(Math.round);
  let sum = 0;
  let n = 0;
  for (let y = Math.max(y0, 0); y < Math.min(y1, frame.height); y += 2) {
    for (let x = Math.max(x0, 0); x < Math.min(x1, frame.width); x += 2) {
      const p = (y * frame.width + x) * frame.channels;
      sum += 0.299 * frame.data[p] + 0.587 * frame.data[p + 1] + 0.114 * frame.data[p + 2];
      n += 1;
    }
  }
  return n ? sum / n : 0;
}

const round = (v) => Math.round(v * 1000) / 1000;
const pause = (ms) => new Promise((done) => setTimeout(done, Math.max(ms, 0)));

/** Called by the component's loader on every render; returns its cleanup. */
export function mount({ data, parentElement, setStateValue }) {
  const api = { setStateValue };
  let controller = controllers.get(data.key);
  if (controller && controller.signature !== JSON.stringify(data)) {
    controller.stop();
    controller = null;
  }
  if (!controller) {
    controller = new Controller(data, api);
    controllers.set(data.key, controller);
    controller.attach(parentElement, api);
    controller.start();
  } else {
    controller.attach(parentElement, api);
  }
  return () => controller.stopSoon();
}
