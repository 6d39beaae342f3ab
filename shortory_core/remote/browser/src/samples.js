// Samples on their way to the server (the wire format of the remote panel's contract): kept
// until a POST is answered 2xx, resent with the same seqs on failure (the server stores each
// (session, seq) once), flushed with keepalive requests when the page is hidden.
import { PRODUCT_EMOTIONS } from './emotion.js';

export const MAX_BATCH = 600;
export const SEND_EVERY_MS = 2000;
const EXIT_CHUNK = 150; // rows: about 25 KiB, two chunks fit the 64 KiB keepalive budget

/** One analysed frame as a sample row. */
export function sample(seq, reading, videoTime, sourceTime, paused) {
  const face = Boolean(reading.faceFound);
  const round = (v) => Math.round(v * 1e4) / 1e4;
  return {
    seq, t: round(videoTime), src: round(sourceTime), paused, face, n: reading.nFaces ?? 0,
    emo: face && reading.emotions ? PRODUCT_EMOTIONS.map((e) => round(reading.emotions[e])) : null,
    att: round(reading.attention ?? 0), head: round(reading.head ?? 0),
    eyes: round(reading.eyes ?? 0), gaze: reading.gaze == null ? null : round(reading.gaze),
  };
}

export class SampleSender {
  /** `url`: the samples endpoint; `key`: the viewer's session key; `onRefused(status,
   * reason)` is told when the server will not take them (a withdrawn or revoked session). */
  constructor(url, key, { onSent = () => {}, onRefused = () => {} } = {}) {
    Object.assign(this, { url, key, onSent, onRefused });
    this.pending = [];
    this.sent = 0;
    this.nextSeq = 0;
    this.busy = false;
    this.refused = false;
  }

  add(reading, videoTime, sourceTime, paused) {
    this.pending.push(sample(this.nextSeq++, reading, videoTime, sourceTime, paused));
  }

  body(rows) {
    return JSON.stringify({ seq0: rows[0].seq, samples: rows });
  }

  /** POST what is pending (at most MAX_BATCH); on failure keep it for the next try. */
  async flush() {
    if (this.busy || this.refused || !this.pending.length) return;
    this.busy = true;
    const rows = this.pending.slice(0, MAX_BATCH);
    try {
      const answer = await fetch(this.url, {
        method: 'POST', body: this.body(rows),
        headers: { 'Content-Type': 'application/json', 'X-Shortory-Session': this.key },
      });
      if (answer.ok) {
        this.pending.splice(0, rows.length);
        this.sent += rows.length;
        this.onSent(this.sent);
      } else if ([401, 403, 409].includes(answer.status)) {
        this.refused = true;
        this.onRefused(answer.status, (await answer.json().catch(() => ({}))).error ?? '');
      } // anything else (a 5xx, a 429): kept, tried again on the next tick
    } catch {
      // offline or the server away: kept, tried again on the next tick
    } finally {
      this.busy = false;
    }
  }

  /** The page is going away: hand what is pending to the browser to deliver. A keepalive
   * request (not sendBeacon, which cannot carry the session header) outlives the page; the
   * browser takes at most 64 KiB of such bodies at once, so they go in chunks. */
  flushOnExit() {
    if (this.refused) return;
    for (let i = 0; i < this.pending.length; i += EXIT_CHUNK) {
      fetch(this.url, { method: 'POST', body: this.body(this.pending.slice(i, i + EXIT_CHUNK)),
        keepalive: true,
        headers: { 'Content-Type': 'application/json', 'X-Shortory-Session': this.key },
      }).catch(() => {});
    }
  }
}
