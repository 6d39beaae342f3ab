// The viewer's calibration applied in the browser exactly as Calibration.apply does
// (shortory_core/vision/calibration.py): with a profile, the profile reads the emotions;
// without, the resting gains reweigh them; attention is scaled by the resting gain (≤ 1).
import { PRODUCT_EMOTIONS } from './emotion.js';
import { Profile } from './profile.js';

export class Calibration {
  /** From what remote/calibration.py's calibration_for_browser gives: {emotion_gain: {e: g},
   * attention_gain: g, profile: {...} | null} (any part may be missing: no calibration
   * changes nothing). */
  constructor(data = {}) {
    this.emotionGain = data.emotion_gain ?? null;
    this.attentionGain = data.attention_gain ?? 1;
    this.profile = data.profile ? new Profile(data.profile) : null;
  }

  apply(reading) {
    if (!reading.faceFound || !reading.emotions) return reading;
    let emotions = reading.emotions;
    if (this.profile && reading.features) {
      emotions = this.profile.adjust(emotions, reading.features);
    } else if (this.emotionGain) {
      const weighted = PRODUCT_EMOTIONS.map((e) => emotions[e] * this.emotionGain[e]);
      const total = weighted.reduce((a, b) => a + b, 0) || 1;
      emotions = Object.fromEntries(PRODUCT_EMOTIONS.map((e, i) => [e, weighted[i] / total]));
    }
    return { ...reading, emotions, attention: Math.min(1, reading.attention * this.attentionGain) };
  }
}
