// Pixel operations the Python pipeline gets from OpenCV, written out so the browser feeds the
// models the same tensors: area resize (the detector's letterbox), bilinear resize (the emotion
// crop), affine warps (the mesh and iris crops), grey conversion, zero-padded square crops.
// Frames are RGBA (what a canvas gives); the alpha byte is ignored throughout.

/** An RGB(A) picture: `data` holds `channels` bytes per pixel, row by row. */
export function picture(data, width, height, channels) {
  return { data, width, height, channels };
}

/** OpenCV's RGB2GRAY in its fixed-point form (the same integers cvtColor gives). */
export function grey(img) {
  const out = new Uint8Array(img.width * img.height);
  const c = img.channels;
  for (let i = 0, p = 0; i < out.length; i++, p += c) {
    out[i] = (img.data[p] * 4899 + img.data[p + 1] * 9617 + img.data[p + 2] * 1868 + 8192) >> 14;
  }
  return picture(out, img.width, img.height, 1);
}

/** Area weights of one axis: for each output cell, the source cells it covers and how much. */
function areaTable(src, dst) {
  const scale = src / dst;
  const table = [];
  for (let d = 0; d < dst; d++) {
    const start = d * scale;
    const end = Math.min(src, (d + 1) * scale);
    const cells = [];
    for (let s = Math.floor(start); s < end - 1e-9; s++) {
      const w = Math.min(end, s + 1) - Math.max(start, s);
      if (w > 1e-9) cells.push([s, w / scale]);
    }
    table.push(cells);
  }
  return table;
}

/** cv2.resize(..., INTER_AREA) for shrinking: each output pixel is the mean of the area it
 * covers (RGB out). */
export function resizeArea(img, width, height) {
  const xs = areaTable(img.width, width);
  const ys = areaTable(img.height, height);
  const c = img.channels;
  const out = new Uint8Array(width * height * 3);
  const row = new Float64Array(width * 3);
  for (let y = 0; y < height; y++) {
    row.fill(0);
    for (const [sy, wy] of ys[y]) {
      const base = sy * img.width;
      for (let x = 0; x < width; x++) {
        for (const [sx, wx] of xs[x]) {
          const p = (base + sx) * c;
          const w = wx * wy;
          row[x * 3] += img.data[p] * w;
          row[x * 3 + 1] += img.data[p + 1] * w;
          row[x * 3 + 2] += img.data[p + 2] * w;
        }
      }
    }
    for (let i = 0; i < width * 3; i++) out[y * width * 3 + i] = Math.min(255, Math.round(row[i]));
  }
  return picture(out, width, height, 3);
}

/** OpenCV's bilinear source positions and 11-bit weights along one axis. */
function linearTable(src, dst) {
  const scale = src / dst;
  const index = new Int32Array(dst);
  const weight = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { f = 0; s = 0; }
    if (s >= src - 1) { f = 0; s = src - 1; }
    index[d] = s;
    weight[d] = Math.round((1 - f) * 2048);
  }
  return { index, weight };
}

/** cv2.resize(..., INTER_LINEAR) on bytes, with OpenCV's fixed-point arithmetic: 11-bit
 * weights per axis, the horizontal pass in integers, the vertical pass rounded as its SIMD
 * path rounds. */
export function resizeLinear(img, width, height) {
  const c = img.channels;
  const xs = linearTable(img.width, width);
  const ys = linearTable(img.height, height);
  const horizontal = (sy) => {
    const line = new Int32Array(width * c);
    const base = sy * img.width;
    for (let x = 0; x < width; x++) {
      const s = xs.index[x];
      const a0 = xs.weight[x];
      const a1 = 2048 - a0;
      const s1 = Math.min(s + 1, img.width - 1);
      for (let k = 0; k < c; k++) {
        line[x * c + k] = img.data[(base + s) * c + k] * a0 + img.data[(base + s1) * c + k] * a1;
      }
    }
    return line;
  };
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const s = ys.index[y];
    const b0 = ys.weight[y];
    const b1 = 2048 - b0;
    const r0 = horizontal(s);
    const r1 = horizontal(Math.min(s + 1, img.height - 1));
    for (let i = 0; i < width * c; i++) {
      const v = (((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16) + 2) >> 2;
      out[y * width * c + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return picture(out, width, height, c);
}

/** The box made square about its centre, grown by `margin` px, zero outside the frame
 * (emotion.square_crop). */
export function squareCrop(img, box, margin) {
  const [x0, y0, x1, y1] = box;
  const side = Math.max(x1 - x0, y1 - y0) + 2 * margin;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const left = roundHalfEven(cx - side / 2);
  const top = roundHalfEven(cy - side / 2);
  const size = Math.max(roundHalfEven(side), 1);
  const c = img.channels;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < size; x++) {
      const sx = left + x;
      if (sx < 0 || sx >= img.width) continue;
      const p = (sy * img.width + sx) * c;
      const q = (y * size + x) * 3;
      out[q] = img.data[p]; out[q + 1] = img.data[p + 1]; out[q + 2] = img.data[p + 2];
    }
  }
  return picture(out, size, size, 3);
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(v) {
  const r = Math.round(v);
  return (Math.abs(v % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r;
}

/** cv2.warpAffine(img, M, (out, out), INTER_LINEAR, BORDER_CONSTANT 0): each output pixel
 * samples the source at M⁻¹·(x, y), positions rounded to 1/32 px as OpenCV rounds them. `m` is the
 * 2×3 forward transform (frame → crop) as a flat array of six. */
export function warpAffine(img, m, out) {
  const inv = invertAffine(m);
  const c = img.channels;
  const { width, height, data } = img;
  const result = new Uint8Array(out * out * 3);
  const px = (x, y, k) => (x < 0 || y < 0 || x >= width || y >= height) ? 0
    : data[(y * width + x) * c + k];
  for (let y = 0; y < out; y++) {
    for (let x = 0; x < out; x++) {
      // OpenCV: row offset and column step each rounded at 1/1024 px, then to 1/32
      const X = (Math.round((inv[1] * y + inv[2]) * 1024) + 16 + Math.round(inv[0] * x * 1024)) >> 5;
      const Y = (Math.round((inv[4] * y + inv[5]) * 1024) + 16 + Math.round(inv[3] * x * 1024)) >> 5;
      const sx = X >> 5;
      const sy = Y >> 5;
      const fx = (X & 31) / 32;
      const fy = (Y & 31) / 32;
      for (let k = 0; k < 3; k++) {
        const v = (px(sx, sy, k) * (1 - fx) + px(sx + 1, sy, k) * fx) * (1 - fy)
          + (px(sx, sy + 1, k) * (1 - fx) + px(sx + 1, sy + 1, k) * fx) * fy;
        result[(y * out + x) * 3 + k] = Math.round(v);
      }
    }
  }
  return picture(result, out, out, 3);
}

/** The inverse of a 2×3 affine transform (cv2.invertAffineTransform). */
export function invertAffine(m) {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Mirror a picture left to right (the iris model knows one eye only). */
export function flipX(img) {
  const { width, height, channels: c } = img;
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * c;
      const q = (y * width + (width - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[q + k] = img.data[p + k];
    }
  }
  return picture(out, width, height, c);
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Bytes → float32 tensor data in the range a card's model was trained on (cards.normalise). */
export function normalise(img, normalisation) {
  const n = img.width * img.height * img.channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.fround(img.data[i] / 255);
    if (normalisation === 'minus_one_to_one') out[i] = Math.fround(Math.fround(x - 0.5) * 2);
    else if (normalisation === 'imagenet') {
      const k = i % img.channels;
      out[i] = (x - IMAGENET_MEAN[k]) / IMAGENET_STD[k];
    } else out[i] = x;
  }
  return out;
}
