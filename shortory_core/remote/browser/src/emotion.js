// Facial emotion from a face box, card-driven (a port of shortory_core/vision/emotion.py and
// ensemble.py): the crop, colour, size and normalisation each card names; outputs that sum to 1
// are taken as probabilities, anything else as logits; labels summed onto the five product
// emotions by the card's mapping. An ensemble card's members each read the face as their own
// card says, and their probabilities are combined by label name (mean of log-probabilities).
import { grey, normalise, resizeLinear, squareCrop } from './image.js';
import { loadCard, openModel } from './models.js';

export const PRODUCT_EMOTIONS = ['happy', 'sad', 'angry', 'neutral', 'surprise'];
export const PROBABILITY_SLACK = 0.05;
const FLOOR = 1e-6;
const NORM_EPSILON = 1e-9;

function productIndex(card) {
  return PRODUCT_EMOTIONS.map((e) => card.labels
    .map((label, i) => (card.product_mapping[label] === e ? i : -1)).filter((i) => i >= 0));
}

function toProduct(indexes, probabilities) {
  const product = {};
  PRODUCT_EMOTIONS.forEach((e, k) => {
    product[e] = indexes[k].reduce((sum, i) => sum + probabilities[i], 0);
  });
  return product;
}

export class EmotionClassifier {
  constructor(model) {
    this.model = model;
    this.card = model.card;
    this.margin = this.card.extra?.face_margin_px ?? 10;
    this.index = productIndex(this.card);
  }

  /** {raw, product, features} for one face box. */
  async classify(frame, box) {
    let crop = squareCrop(frame, box, this.margin);
    if (this.card.colour === 'gray') crop = grey(crop);
    const [h, w] = this.card.input_size;
    crop = resizeLinear(crop, w, h);
    const outputs = await this.model.run(normalise(crop, this.card.normalisation), crop.channels);
    const names = this.model.session.outputNames;
    const row = Array.from(outputs[names[0]].data, Number);
    const total = row.reduce((a, b) => a + b, 0);
    let probabilities;
    if (Math.min(...row) >= 0 && Math.abs(total - 1) < PROBABILITY_SLACK) {
      probabilities = row.map((p) => p / total);
    } else {
      const top = Math.max(...row);
      const exp = row.map((v) => Math.exp(v - top));
      const sum = exp.reduce((a, b) => a + b, 0);
      probabilities = exp.map((v) => v / sum);
    }
    const raw = Object.fromEntries(this.card.labels.map((l, i) => [l, probabilities[i]]));
    const features = names.includes('embedding') ? Array.from(outputs.embedding.data, Number)
      : probabilities.map((p) => Math.fround(Math.log(p + 1e-6)));
    return { raw, product: toProduct(this.index, probabilities), features };
  }
}

export class EnsembleClassifier {
  constructor(card, members) {
    this.card = card;
    this.members = members;
    this.index = productIndex(card);
  }

  async classify(frame, box) {
    const votes = [];
    for (const member of this.members) votes.push(await member.classify(frame, box));
    const logs = votes.map((vote) => {
      const q = this.card.labels.map((label) => vote.raw[label]);
      const sum = q.reduce((a, b) => a + b, 0);
      return q.map((v) => Math.log(Math.max(v / sum, FLOOR)));
    });
    const mean = this.card.labels.map((_, i) => logs.reduce((s, l) => s + l[i], 0) / logs.length);
    const top = Math.max(...mean);
    const exp = mean.map((v) => Math.exp(v - top));
    const sum = exp.reduce((a, b) => a + b, 0);
    const p = exp.map((v) => v / sum);
    const raw = Object.fromEntries(this.card.labels.map((l, i) => [l, p[i]]));
    const features = votes.flatMap((vote) => {
      const norm = Math.hypot(...vote.features) + NORM_EPSILON;
      return vote.features.map((v) => v / norm);
    });
    return { raw, product: toProduct(this.index, p), features };
  }
}

/** The classifier a card file asks for: an ensemble's (members found by card name in the
 * models index), or a single model's. */
export async function emotionClassifier(modelsUrl, cardFile, index) {
  const card = await loadCard(modelsUrl, cardFile);
  if (!card.members) return new EmotionClassifier(await openModel(modelsUrl, card));
  const members = [];
  for (const name of card.members) {
    const file = index[name];
    if (!file) throw new Error(`the ensemble names ${name}, which is not shipped`);
    members.push(new EmotionClassifier(await openModel(modelsUrl, await loadCard(modelsUrl, file))));
  }
  return new EnsembleClassifier(card, members);
}
