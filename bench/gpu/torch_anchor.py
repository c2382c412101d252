#!/usr/bin/env python3
"""The PyTorch anchor for `quiver-gpu bench`: the same exact searches, brute force, on CUDA.

float32 throughout (TF32 off for matmul and cuDNN); L2 as ||x||^2 - 2 q.x + ||q||^2 by one addmm per chunk of
rows, then torch.topk(largest=False), chunks merged by another topk. Each batch is timed from host queries to
host results (queries copied in, ids and distances copied out, torch.cuda.synchronize before the clock stops),
as `quiver-gpu bench` times its searches. One untimed warm-up batch before each point.

It reads exactly the data the Quiver tool reads: fashion-mnist from the IDX .gz files (gzip + numpy),
synthetic from the .fvecs files `quiver-gpu bench` writes under CACHE/synthetic/, and the tool's ground truth
(CACHE/gt/<dataset>.gt100.q<N>.ivecs) when --gt-dir finds it, so recall is over the same queries; without it,
ground truth is computed here in float64 on the device for the first --gt-queries queries.

Writes DIR/pytorch.jsonl: one line per point in the schema of `quiver-bench ann` (AnnResult) with engine
"pytorch", index "matmul+topk" and "device", plus one {"bench":"torch_bandwidth"} line.
"""
import argparse
import datetime
import glob
import gzip
import json
import os
import platform
import struct
import sys
import time

import numpy as np

FULL = dict(fashion_rows=0, fashion_queries=10_000, batches=[1, 100, 10_000], ks=[10, 100],
            batch1_queries=1_000, gt_queries=1_000, min_batches=5, max_seconds=15.0, warmup_queries=1 << 30)
# Mirrors BenchPlan.Quick in bench/Quiver.Gpu/BenchPlan.cs.
QUICK = dict(fashion_rows=1_000, fashion_queries=10, batches=[1, 5, 10], ks=[10, 100],
             batch1_queries=2, gt_queries=10, min_batches=1, max_seconds=5.0, warmup_queries=1)
GT_K = 100


def read_idx_images(path, max_rows=0):
    """An unsigned-byte IDX image file (n x rows x cols) as float32 rows of pixel values 0..255."""
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    shape = struct.unpack(">" + "i" * rank, data[4:4 + 4 * rank])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape[0], -1)
    if max_rows:
        arr = arr[:max_rows]
    return np.ascontiguousarray(arr, dtype=np.float32)


def read_vecs(path, dtype):
    """TEXMEX .fvecs / .ivecs: each row an int32 dimension then dim 4-byte values."""
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise ValueError(f"{path}: empty")
    d = int(raw[0])
    rows = raw.reshape(-1, d + 1)
    if not (rows[:, 0] == d).all():
        raise ValueError(f"{path}: rows of differing dimension")
    return np.ascontiguousarray(rows[:, 1:]).view(dtype)


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = min(max(int(np.ceil(p * len(sorted_values))) - 1, 0), len(sorted_values) - 1)
    return sorted_values[i]


class TorchFlat:
    """Rows resident on the device with their squared norms; exact L2 top-k by addmm + topk per chunk of rows."""

    def __init__(self, torch, rows, device, matrix_bytes=4 << 30):
        self.torch = torch
        self.x = torch.from_numpy(rows).to(device)
        self.xn = (self.x * self.x).sum(dim=1)
        self.n = self.x.shape[0]
        self.device = device
        self.matrix_bytes = matrix_bytes

    def search(self, queries_host, k):
        torch = self.torch
        q = queries_host.to(self.device, non_blocking=True)
        b = q.shape[0]
        qn = (q * q).sum(dim=1, keepdim=True)
        chunk = max(1024, min(self.n, self.matrix_bytes // (4 * b)))
        best_d = best_i = None
        for start in range(0, self.n, chunk):
            xc = self.x[start:start + chunk]
            # ||x||^2 - 2 q.x, then + ||q||^2 (ordering only needs the first two; added for true distances).
            d = torch.addmm(self.xn[start:start + chunk].unsqueeze(0), q, xc.t(), beta=1.0, alpha=-2.0)
            d.add_(qn)
            d.clamp_(min=0)
            kk = min(k, d.shape[1])
            vals, idx = torch.topk(d, kk, dim=1, largest=False, sorted=True)
            idx = idx + start
            if best_d is None:
                best_d, best_i = vals, idx
            else:
                cat_d = torch.cat([best_d, vals], dim=1)
                cat_i = torch.cat([best_i, idx], dim=1)
                best_d, pos = torch.topk(cat_d, min(k, cat_d.shape[1]), dim=1, largest=False, sorted=True)
                best_i = torch.gather(cat_i, 1, pos)
        return best_i.cpu(), best_d.cpu()


def exact_truth(torch, rows, queries, k, device):
    """float64 brute force on the device for when the tool's ground truth file is absent."""
    x = torch.from_numpy(rows).to(device, dtype=torch.float64)
    xn = (x * x).sum(dim=1)
    out = []
    for s in range(0, queries.shape[0], 256):
        q = torch.from_numpy(queries[s:s + 256]).to(device, dtype=torch.float64)
        d = xn.unsqueeze(0) - 2.0 * q @ x.t()
        out.append(torch.topk(d, min(k, x.shape[0]), dim=1, largest=False, sorted=True).indices.cpu().numpy())
    return np.concatenate(out).astype(np.int32)


def recall(ids, k, truth, queries):
    hits = 0
    for qi in range(queries):
        hits += len(set(ids[qi, :k].tolist()) & set(truth[qi, :k].tolist()))
    return hits / (queries * k) if queries else 0.0


def run_dataset(torch, args, plan, name, rows, queries, device, device_name, emit):
    log = sys.stderr
    nq = queries.shape[0]
    gtq = min(plan["gt_queries"], nq)
    truth = None
    if args.gt_dir:
        found = sorted(glob.glob(os.path.join(args.gt_dir, f"{name}.gt{GT_K}.q*.ivecs")))
        if found:
            truth = read_vecs(found[-1], np.int32)
            gtq = min(gtq, truth.shape[0])
            print(f"{name}: ground truth from {found[-1]} ({truth.shape[0]} queries)", file=log)
    if truth is None:
        truth = exact_truth(torch, rows, queries[:gtq], GT_K, device)
        print(f"{name}: ground truth computed here in float64 for {gtq} queries", file=log)
    t0 = time.perf_counter()
    index = TorchFlat(torch, rows, device)
    torch.cuda.synchronize()
    upload = time.perf_counter() - t0
    queries_host = torch.from_numpy(queries).pin_memory()
    for k in plan["ks"]:
        for batch in plan["batches"]:
            count = min(plan["batch1_queries"], nq) if batch == 1 else nq
            batch = min(batch, count)
            w = min(batch, plan["warmup_queries"])
            index.search(queries_host[:w], k)
            torch.cuda.synchronize()
            per_pass = (count + batch - 1) // batch
            passes = max(1, -(-plan["min_batches"] // per_pass))
            lat, total, searched, done = [], 0.0, 0, 0
            ids = np.empty((count, k), dtype=np.int64)
            for p in range(passes):
                if p > 0 and total > plan["max_seconds"]:
                    break
                for q0 in range(0, count, batch):
                    t = time.perf_counter()
                    got_i, _ = index.search(queries_host[q0:q0 + batch], k)
                    torch.cuda.synchronize()
                    s = time.perf_counter() - t
                    lat.append(s * 1e6)
                    total += s
                    searched += got_i.shape[0]
                    if p == 0:
                        ids[q0:q0 + got_i.shape[0]] = got_i.numpy()
                done += 1
            lat.sort()
            rq = min(gtq, count)
            r = recall(ids, k, truth, rq)
            line = {
                "dataset": name, "engine": "pytorch", "index": "matmul+topk", "build": {},
                "search": {"batch": batch}, "k": k, "threads": 1, "queries": count,
                "build_seconds": round(upload, 3), "index_bytes": int(rows.nbytes + rows.shape[0] * 4),
                "recall": round(r, 5), "qps": round(searched / total, 1),
                "p50_us": round(percentile(lat, 0.5), 2), "p99_us": round(percentile(lat, 0.99), 2),
                "machine": platform.node(), "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
                "device": device_name,
                "extra": {"recall_queries": rq, "timed_batches": len(lat), "passes": done,
                          "torch": torch.__version__, "tf32": False, "upload_seconds": round(upload, 3)},
            }
            print(f"  {name} k={k} batch={batch}: recall {r:.4f}, {line['qps']:.0f} QPS, p50 {line['p50_us']:.0f} us", file=log)
            emit(line)
    del index
    torch.cuda.empty_cache()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--fashion", required=True, help="folder with train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz")
    ap.add_argument("--synthetic-train", required=True)
    ap.add_argument("--synthetic-test", required=True)
    ap.add_argument("--gt-dir", help="quiver-gpu's ground-truth folder (CACHE/gt)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["fashion", "synthetic"])
    args = ap.parse_args()
    plan = QUICK if args.quick else FULL

    import torch  # imported late so that --help and syntax checks work without it
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    if not torch.cuda.is_available():
        print("torch_anchor: torch sees no CUDA device", file=sys.stderr)
        return 3
    device = torch.device("cuda:0")
    device_name = torch.cuda.get_device_name(0)
    os.makedirs(args.out, exist_ok=True)
    out = open(os.path.join(args.out, "pytorch.jsonl"), "a")

    def emit(obj):
        s = json.dumps(obj, separators=(",", ":"))
        print(s)
        out.write(s + "\n")
        out.flush()

    # The copy ceiling as torch sees it (bytes read + written), beside quiver-gpu's own measurement.
    a = torch.empty(1 << 28, dtype=torch.float32, device=device).normal_()
    b = torch.empty_like(a)
    b.copy_(a)
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        b.copy_(a)
    torch.cuda.synchronize()
    s = time.perf_counter() - t
    emit({"bench": "torch_bandwidth", "device": device_name, "gb_per_s": round(2 * a.nbytes * 10 / s / 1e9, 1),
          "bytes": a.nbytes, "repeats": 10, "method": "device-to-device copy, bytes read and written"})
    del a, b

    if args.only in (None, "synthetic"):
        name = os.path.basename(args.synthetic_train)
        name = name[:-len(".train.fvecs")] if name.endswith(".train.fvecs") else os.path.splitext(name)[0]
        rows, queries = read_vecs(args.synthetic_train, np.float32), read_vecs(args.synthetic_test, np.float32)
        print(f"{name}: {rows.shape[0]} x {rows.shape[1]}, {queries.shape[0]} queries", file=sys.stderr)
        run_dataset(torch, args, plan, name, rows, queries, device, device_name, emit)
    if args.only in (None, "fashion"):
        rows = read_idx_images(os.path.join(args.fashion, "train-images-idx3-ubyte.gz"), plan["fashion_rows"])
        queries = read_idx_images(os.path.join(args.fashion, "t10k-images-idx3-ubyte.gz"), plan["fashion_queries"] if plan["fashion_rows"] else 0)
        name = f"fashion-mnist-n{plan['fashion_rows']}-q{plan['fashion_queries']}" if plan["fashion_rows"] else "fashion-mnist"
        print(f"{name}: {rows.shape[0]} x {rows.shape[1]}, {queries.shape[0]} queries", file=sys.stderr)
        run_dataset(torch, args, plan, name, rows, queries, device, device_name, emit)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
