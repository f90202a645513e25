// Runs an ONNX model in ONNX Runtime (onnxruntime-node, one thread) on a float32 input file.
//   node ort.js MODEL INPUT.bin RUNS [EKYCD_OUT_PREFIX EKYCD_MS]
// Writes outputs to $ORT_OUT_PREFIX.i.bin when ORT_OUT_PREFIX is set. With the ekycd arguments,
// compares ekycd's outputs with ONNX Runtime's and prints one line per model:
//   model=<file> ekycd_ms=<median> ort_ms=<median> ratio=<ekycd/ort> max_abs_diff=<d> rel=<d/scale>
const fs = require('fs');
const path = require('path');
const ort = require(process.env.ORT_MODULE || 'onnxruntime-node');

function readFloats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

(async () => {
  const [model, input, runsArg, ekPrefix, ekMs] = process.argv.slice(2);
  const runs = parseInt(runsArg || '1', 10);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // ORT_FTZ=1: let ONNX Runtime flush denormals too, as ekycd does (fairer on models whose
    // weights hold subnormal floats)
    ...(process.env.ORT_FTZ === '1' ? { extra: { session: { set_denormal_as_zero: '1' } } } : {}),
  });
  const meta = session.inputNames[0];
  const data = readFloats(input);
  // input shape: from the model's metadata when available, else a flat vector must match
  const dims = JSON.parse(process.env.INPUT_DIMS);
  const feeds = { [meta]: new ort.Tensor('float32', Float32Array.from(data), dims) };
  let out = await session.run(feeds); // warm-up
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const ortMs = times[Math.floor(runs / 2)];
  const names = session.outputNames;
  if (process.env.ORT_OUT_PREFIX)
    names.forEach((n, i) => fs.writeFileSync(`${process.env.ORT_OUT_PREFIX}.${i}.bin`,
                                             Buffer.from(out[n].data.buffer)));
  if (!ekPrefix) {
    console.log(`ort_ms=${ortMs.toFixed(3)}`);
    return;
  }
  let maxDiff = 0, scale = 0;
  names.forEach((n, i) => {
    const ref = out[n].data, mine = readFloats(`${ekPrefix}.${i}.bin`);
    if (mine.length !== ref.length) throw new Error(`output ${n}: ${mine.length} vs ${ref.length}`);
    for (let k = 0; k < ref.length; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[k] - mine[k]));
      scale = Math.max(scale, Math.abs(ref[k]));
    }
  });
  const ek = parseFloat(ekMs);
  console.log(`model=${path.basename(model)} ekycd_ms=${ek.toFixed(2)} ort_ms=${ortMs.toFixed(2)} ` +
              `ratio=${(ek / ortMs).toFixed(2)} max_abs_diff=${maxDiff.toExponential(2)} ` +
              `rel=${(maxDiff / Math.max(scale, 1e-12)).toExponential(2)}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
