// Times the app's evaluator (wasm, through bench_wasm's exports) and onnxruntime-web (wasm
// backend, one thread) on the same model and rows, and compares both with LightGBM's
// outputs (one probability per row, or one per class for a multiclass model). Data comes from
// /data/<model>/ (written by bench/scripts/browser_prep.py).
// The result goes to window.benchResult for the driver (bench/scripts/browser_driver.py).
import * as ort from "/ort/ort.wasm.min.mjs";

const SINGLE_CALLS = 10000;
const WARMUP_CALLS = 1000;
const BATCH_REPEATS = 3;

const log = (line) => {
  document.getElementById("log").textContent += line + "\n";
};

async function fetchOk(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

function wasmBindings() {
  if (window.wasmBindings) return Promise.resolve(window.wasmBindings);
  return new Promise((resolve) =>
    addEventListener("TrunkApplicationStarted", () => resolve(window.wasmBindings), { once: true }),
  );
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

// Per-call latencies of `call(i)` over rows 0..SINGLE_CALLS, after a warm-up, in microseconds.
// `call` returns the row's one output (k = 1) or an array of its k outputs.
async function timeSingle(call, k = 1) {
  for (let i = 0; i < WARMUP_CALLS; i++) await call(i);
  const latencies = new Float64Array(SINGLE_CALLS);
  const outputs = new Float64Array(SINGLE_CALLS * k);
  const start = performance.now();
  for (let i = 0; i < SINGLE_CALLS; i++) {
    const t0 = performance.now();
    const value = await call(i);
    latencies[i] = (performance.now() - t0) * 1000;
    if (k === 1) outputs[i] = value;
    else outputs.set(value, i * k);
  }
  const totalUs = (performance.now() - start) * 1000;
  latencies.sort();
  return {
    median_us: percentile(latencies, 0.5),
    p99_us: percentile(latencies, 0.99),
    mean_us: totalUs / SINGLE_CALLS,
    outputs,
  };
}

// Best-of-BATCH_REPEATS rows/s of `call()`, which scores every row and returns the probabilities.
async function timeBatch(rowCount, call) {
  let best = Infinity;
  let outputs = null;
  for (let repeat = 0; repeat < BATCH_REPEATS; repeat++) {
    const t0 = performance.now();
    outputs = await call();
    best = Math.min(best, performance.now() - t0);
  }
  return { rows_per_s: rowCount / (best / 1000), best_ms: best, outputs };
}

// First index of the largest of values[from..from + k] (numpy's argmax).
function argmax(values, from, k) {
  let best = from;
  for (let j = from + 1; j < from + k; j++) if (values[j] > values[best]) best = j;
  return best - from;
}

// Max |diff| over every value, values whose bits differ from LightGBM's, and flips: of the
// decision (`p >= threshold`) for one output per row, of the argmax class for k outputs.
function compare(outputs, reference, threshold, count, k = 1) {
  let maxDiff = 0;
  let flips = 0;
  let bitMismatches = 0;
  if (outputs.length !== reference.length) throw new Error(`${outputs.length} outputs, ${reference.length} expected`);
  for (let i = 0; i < count * k; i++) {
    const diff = Math.abs(outputs[i] - reference[i]);
    if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Infinity : diff;
    if (!Object.is(outputs[i], reference[i])) bitMismatches++;
  }
  for (let i = 0; i < count; i++) {
    if (k === 1) {
      if (outputs[i] >= threshold !== reference[i] >= threshold) flips++;
    } else if (argmax(outputs, i * k, k) !== argmax(reference, i * k, k)) {
      flips++;
    }
  }
  return { max_abs_diff: maxDiff, flips, bit_mismatches: bitMismatches };
}

async function benchModel(name) {
  const meta = await (await fetchOk(`/data/${name}/meta.json`)).json();
  const rows = new Float64Array(await (await fetchOk(`/data/${name}/rows.f64`)).arrayBuffer());
  const reference = new Float64Array(await (await fetchOk(`/data/${name}/lightgbm.f64`)).arrayBuffer());
  const bundleText = await (await fetchOk(`/data/${name}/model.json`)).text();
  const width = meta.width;
  const k = meta.outputs ?? 1;
  const count = rows.length / width;
  if (count * k !== reference.length) throw new Error(`${name}: rows and reference disagree`);
  const result = {
    model: name, description: meta.description, rows: count, width, threshold: meta.threshold, outputs: k,
  };

  // The app's evaluator.
  const ours = await wasmBindings();
  const t0 = performance.now();
  const loadedWidth = ours.load_model(bundleText);
  result.ours_load_ms = performance.now() - t0;
  if (loadedWidth !== width) throw new Error(`${name}: bundle has ${loadedWidth} features, rows ${width}`);
  if (ours.model_outputs() !== k) throw new Error(`${name}: bundle has ${ours.model_outputs()} outputs, LightGBM ${k}`);
  const threshold = meta.threshold;
  const rowViews = [];
  for (let i = 0; i < SINGLE_CALLS; i++) rowViews.push(rows.subarray(i * width, (i + 1) * width));
  // One output: the single-output exports (a number per row); several: every output per row.
  const oursOne = k === 1 ? (i) => ours.score_one(rowViews[i]) : (i) => ours.score_one_all(rowViews[i]);
  const oursAll = k === 1 ? () => ours.score_batch(rows) : () => ours.score_batch_all(rows);
  log(`${name}: ours single`);
  const oursSingle = await timeSingle(oursOne, k);
  log(`${name}: ours batch`);
  const oursBatch = await timeBatch(count, async () => oursAll());
  let singleVsBatch = 0;
  for (let i = 0; i < SINGLE_CALLS; i++) {
    for (let j = i * k; j < (i + 1) * k; j++) {
      if (!Object.is(oursSingle.outputs[j], oursBatch.outputs[j])) {
        singleVsBatch++;
        break;
      }
    }
  }
  result.ours = {
    single_median_us: oursSingle.median_us,
    single_p99_us: oursSingle.p99_us,
    single_mean_us: oursSingle.mean_us,
    batch_rows_per_s: oursBatch.rows_per_s,
    ...compare(oursBatch.outputs, reference, threshold, count, k),
    single_vs_batch_mismatches: singleVsBatch,
  };

  if (meta.onnx_error) {
    result.ort = { error: meta.onnx_error };
    return result;
  }
  try {
    result.ort = await benchOrt(name, rows, width, count, k, reference, threshold, result);
  } catch (error) {
    result.ort = { error: `onnxruntime-web: ${error && error.message ? error.message : error}` };
  }
  return result;
}

// onnxruntime-web, wasm backend, one thread, on the same rows as float32 (its input type);
// returns its measurements and sets result.ort_load_ms.
async function benchOrt(name, rows, width, count, k, reference, threshold, result) {
  const onnxModel = new Uint8Array(await (await fetchOk(`/data/${name}/model.onnx`)).arrayBuffer());
  const rows32 = Float32Array.from(rows);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxModel, { executionProviders: ["wasm"] });
  result.ort_load_ms = performance.now() - t0;
  const inputName = session.inputNames[0];
  const probabilityName = session.outputNames.find((n) => n.startsWith("prob")) ?? session.outputNames[1];
  const ortScore = async (data, n) => {
    const output = await session.run({ [inputName]: new ort.Tensor("float32", data, [n, width]) });
    // n x 2 for a binary model (P(class 0), P(class 1)), n x k for a multiclass one.
    return output[probabilityName].data;
  };
  const row32Views = [];
  for (let i = 0; i < SINGLE_CALLS; i++) row32Views.push(rows32.subarray(i * width, (i + 1) * width));
  log(`${name}: ort single`);
  const ortSingle = await timeSingle(
    k === 1 ? async (i) => (await ortScore(row32Views[i], 1))[1] : async (i) => ortScore(row32Views[i], 1),
    k,
  );
  log(`${name}: ort batch`);
  const ortBatch = await timeBatch(count, async () => {
    const probabilities = await ortScore(rows32, count);
    if (k > 1) return Float64Array.from(probabilities);
    const positive = new Float64Array(count);
    for (let i = 0; i < count; i++) positive[i] = probabilities[2 * i + 1];
    return positive;
  });
  await session.release();
  return {
    single_median_us: ortSingle.median_us,
    single_p99_us: ortSingle.p99_us,
    single_mean_us: ortSingle.mean_us,
    batch_rows_per_s: ortBatch.rows_per_s,
    ...compare(ortBatch.outputs, reference, threshold, count, k),
  };
}

async function main() {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = "/ort/";
  const names = (new URLSearchParams(location.search).get("models") ?? "bundled,stress,categorical,multiclass").split(",");
  const results = [];
  for (const name of names) results.push(await benchModel(name));
  return {
    user_agent: navigator.userAgent,
    cross_origin_isolated: self.crossOriginIsolated,
    ort_version: ort.env.versions?.web ?? "unknown",
    results,
  };
}

main().then(
  (result) => {
    window.benchResult = result;
    log("done");
  },
  (error) => {
    window.benchResult = { error: String(error && error.stack ? error.stack : error) };
    log("error: " + error);
  },
);
