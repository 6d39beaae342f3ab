// A viewer's profile applied to one face (a port of Profile.adjust in
// shortory_core/vision/profiles.py): cosine similarity of the face's features, centred on the
// viewer's mean face, to each prompted emotion's prototype; softmax at the profile's
// temperature; blended with the model's own probabilities.
import { PRODUCT_EMOTIONS } from './emotion.js';

const EPSILON = 1e-9;

export class Profile {
  /** From the profile in remote/calibration.py's calibration_for_browser (or the text
   * Profile.to_json writes): classes, centre, prototypes, blend, temperature. */
  constructor(json) {
    const data = typeof json === 'string' ? JSON.parse(json) : json;
    if (data.format !== undefined && data.format !== 1) {
      throw new Error(`profile format ${data.format} is not 1`);
    }
    Object.assign(this, {
      classes: data.classes, centre: data.centre, prototypes: data.prototypes,
      blend: data.blend, temperature: data.temperature,
    });
  }

  /** Product probabilities {emotion: p} for a face with these features. */
  adjust(product, features) {
    const centred = features.map((v, i) => v - this.centre[i]);
    const norm = Math.hypot(...centred) + EPSILON;
    const similar = this.prototypes.map((proto) =>
      proto.reduce((s, p, i) => s + p * (centred[i] / norm), 0) / this.temperature);
    const top = Math.max(...similar);
    const exp = similar.map((v) => Math.exp(v - top));
    const sum = exp.reduce((a, b) => a + b, 0);
    const mixed = Object.fromEntries(PRODUCT_EMOTIONS.map((e) => [e, (1 - this.blend) * product[e]]));
    this.classes.forEach((e, k) => { mixed[e] += this.blend * (exp[k] / sum); });
    return mixed;
  }
}
