// Quiver's harness around USearch (npm "usearch"), printing the same JSON lines as quiver-bench ann.
// Usage: node harness.mjs DATASET TRAIN.fvecs TEST.fvecs GT.ivecs M EFC EF1,EF2,... K QUERIES BUILD_THREADS
// USearch fixes expansion_search at construction, so the index is built once, saved, and loaded
// again into a fresh index for each ef.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import usearch from "usearch";

function readVecs(file, Type) {
  const buf = fs.readFileSync(file);
  const dim = buf.readInt32LE(0);
  const rowBytes = 4 + dim * 4;
  const n = buf.length / rowBytes;
  const out = new Type(n * dim);
  for (let r = 0; r < n; r++) {
    const row = new Type(buf.buffer, buf.byteOffset + r * rowBytes + 4, dim);
    out.set(row, r * dim);
  }
  return { data: out, dim, n };
}

const [name, trainPath, testPath, gtPath, M, efc, efList, kText, limitText, threadsText] = process.argv.slice(2);
const train = readVecs(trainPath, Float32Array);
const test = readVecs(testPath, Float32Array);
const gt = readVecs(gtPath, Int32Array);
const k = Number(kText);
const nq = Number(limitText) > 0 ? Math.min(Number(limitText), test.n) : test.n;
const threads = Number(threadsText) > 0 ? Number(threadsText) : os.cpus().length;
const config = { dimensions: train.dim, metric: "l2sq", quantization: "f32", connectivity: Number(M), expansion_add: Number(efc), expansion_search: 64, multi: false };

const index = new usearch.Index(config);
const keys = new BigUint64Array(train.n);
for (let i = 0; i < train.n; i++) keys[i] = BigInt(i);
const t0 = process.hrtime.bigint();
index.add(keys, train.data, threads);
const build = Number(process.hrtime.bigint() - t0) / 1e9;
const file = path.join(os.tmpdir(), `quiver-usearch-${process.pid}.usearch`);
index.save(file);
const bytes = fs.statSync(file).size;

for (const ef of efList.split(",").map(Number)) {
  const view = new usearch.Index({ ...config, expansion_search: ef });
  view.load(file);
  for (let q = 0; q < Math.min(100, nq); q++) view.search(test.data.subarray(q * test.dim, (q + 1) * test.dim), k, 1);
  const lat = new Float64Array(nq);
  let total = 0, recall = 0;
  for (let q = 0; q < nq; q++) {
    const query = test.data.subarray(q * test.dim, (q + 1) * test.dim);
    const s = process.hrtime.bigint();
    const res = view.search(query, k, 1);
    const us = Number(process.hrtime.bigint() - s) / 1e3;
    lat[q] = us;
    total += us;
    let hit = 0;
    const want = gt.data.subarray(q * gt.dim, q * gt.dim + k);
    for (const key of res.keys) if (want.includes(Number(key))) hit++;
    recall += hit / k;
  }
  lat.sort();
  console.log(JSON.stringify({
    dataset: name, engine: "usearch", index: "HNSW", build: { m: Number(M), efconstruction: Number(efc) }, search: { ef },
    k, threads: 1, queries: nq, build_seconds: Number(build.toFixed(3)), index_bytes: bytes,
    recall: Number((recall / nq).toFixed(5)), qps: Number((nq / (total / 1e6)).toFixed(1)),
    p50_us: Number(lat[Math.floor(nq / 2)].toFixed(2)), p99_us: Number(lat[Math.min(nq - 1, Math.floor(nq * 0.99))].toFixed(2)),
    machine: `usearch ${JSON.parse(fs.readFileSync(new URL("./node_modules/usearch/package.json", import.meta.url))).version} (npm prebuilt, runtime SIMD dispatch), node ${process.version}, ${threads} build threads`,
  }));
}
fs.rmSync(file, { force: true });
