// Model cards and their ONNX sessions in the browser: the same card JSON files as
// shortory_core/vision/cards.py reads, fetched from the app's /remote/models/ route, run by
// onnxruntime-web on WebAssembly, one thread (Streamlit pages are not cross-origin isolated,
// so the threaded runtime's SharedArrayBuffer is not available).
import * as ort from 'onnxruntime-web/wasm';

export const RUNTIME_WASM = 'ort-wasm-simd-threaded.wasm';

let runtime = null;

/** Start onnxruntime once, with its WebAssembly binary fetched from `assetsUrl`. */
export function startRuntime(assetsUrl) {
  if (!runtime) {
    runtime = (async () => {
      if (typeof WebAssembly !== 'object') throw new Error('no-webassembly');
      const answer = await fetch(new URL(RUNTIME_WASM, assetsUrl));
      if (!answer.ok) throw new Error(`the analysis runtime is missing (${answer.status})`);
      ort.env.wasm.wasmBinary = await answer.arrayBuffer();
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
    })();
  }
  return runtime;
}

async function fetchOk(url) {
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
  return answer;
}

/** A card read from `modelsUrl` by its file name. */
export async function loadCard(modelsUrl, file) {
  const card = await (await fetchOk(new URL(file, modelsUrl))).json();
  card.cardFile = file;
  return card;
}

/** A card with its session: what every model wrapper starts from (cards.OnnxModel). */
export async function openModel(modelsUrl, card) {
  const bytes = await (await fetchOk(new URL(card.file, modelsUrl))).arrayBuffer();
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  return {
    card, session,
    inputName: session.inputNames[0],
    size: card.input_size[0],
    /** Run on one (H, W, C) float32 input; the outputs by name. */
    async run(data, channels) {
      const [h, w] = card.input_size;
      const tensor = new ort.Tensor('float32', data, [1, h, w, channels]);
      return session.run({ [session.inputNames[0]]: tensor });
    },
  };
}

/** Output names ordered by their last dimension, widest first (as the Python wrappers pick
 * regressors over scores, points over presence). */
export function byWidth(outputs) {
  return Object.keys(outputs).sort((a, b) => lastDim(outputs[b]) - lastDim(outputs[a]));
}

function lastDim(tensor) {
  return tensor.dims[tensor.dims.length - 1];
}
