"""Quiver's harness around FAISS (Debian's python3-faiss), printing quiver-bench JSON lines.

Usage: /usr/bin/python3 harness.py DATASET TRAIN.fvecs TEST.fvecs GT.ivecs M EFC SWEEP K QUERIES BUILD_THREADS [INDEX BUILD]

INDEX is HNSW (default; SWEEP lists efSearch values) or IVF_FLAT / IVF_SQ8 / IVF_PQ (SWEEP lists nprobe
values, optionally followed by ";refine_k=N"). BUILD is the runner's build text, e.g.
"nlist=1024,m=98,nbits=8,refine=true,by_residual=true":
- IVF_FLAT: IndexIVFFlat; IVF_SQ8: IndexIVFScalarQuantizer with QT_8bit; IVF_PQ: IndexIVFPQ(m, nbits).
- refine=true wraps the index in IndexRefineFlat (exact rerank of k * refine_k candidates).
- by_residual sets the IVF index's by_residual (FAISS's default, true, when absent).

Debian's FAISS 1.7.3 is compiled for baseline x86-64 ("OPTIMIZE GENERIC"): its distance loops are not
vectorised for this CPU, so it is not a fair anchor (see shared/reference/peers.md); it is reported
with that label.
"""
import json
import sys
import time

import faiss
import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)[:, 1:]
    return np.ascontiguousarray(rows.view(dtype))


def parse_pairs(text):
    out = {}
    for part in text.split(","):
        part = part.strip()
        if part:
            key, _, value = part.partition("=")
            out[key.strip().lower()] = value.strip()
    return out


def flag(value):
    return value.lower() in ("1", "true")


def main():
    name, train_path, test_path, gt_path, m, efc, sweep, k, limit, threads = sys.argv[1:11]
    kind = sys.argv[11].upper() if len(sys.argv) > 11 else "HNSW"
    build = parse_pairs(sys.argv[12]) if len(sys.argv) > 12 else {}
    m, efc, k, limit, threads = int(m), int(efc), int(k), int(limit), int(threads)
    parts = sweep.split(";")
    values = [int(x) for x in parts[0].split(",") if x]
    fixed = parse_pairs(",".join(parts[1:]))
    refine_k = int(fixed.get("refine_k", "1"))
    train = read_vecs(train_path, np.float32)
    test = read_vecs(test_path, np.float32)
    gt = read_vecs(gt_path, np.int32)
    nq = min(limit, len(test)) if limit > 0 else len(test)
    dim = train.shape[1]
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    t0 = time.perf_counter()
    ivf = None
    train_seconds = None
    code_bytes = None
    if kind in ("IVF_FLAT", "IVF_SQ8", "IVF_PQ"):
        nlist = int(build.get("nlist", "1024"))
        quantizer = faiss.IndexFlatL2(dim)
        build_params = {"nlist": nlist}
        if kind == "IVF_FLAT":
            ivf = faiss.IndexIVFFlat(quantizer, dim, nlist)
        elif kind == "IVF_SQ8":
            ivf = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit)
        else:
            pq_m, nbits = int(build["m"]), int(build.get("nbits", "8"))
            ivf = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, nbits)
            build_params.update({"m": pq_m, "nbits": nbits})
        if kind != "IVF_FLAT":
            ivf.by_residual = flag(build.get("by_residual", "true"))
            build_params.update({"by_residual": int(ivf.by_residual), "refine": int(flag(build.get("refine", "false")))})
        index = faiss.IndexRefineFlat(ivf) if flag(build.get("refine", "false")) else ivf
        index.train(train)
        train_seconds = time.perf_counter() - t0
        index.add(train)
        code_bytes = ivf.ntotal * ivf.code_size + quantizer.ntotal * dim * 4
    else:
        index = faiss.IndexHNSWFlat(dim, m)
        index.hnsw.efConstruction = efc
        index.add(train)
        build_params = {"m": m, "efconstruction": efc}
    build_seconds = time.perf_counter() - t0
    size = faiss.serialize_index(index).nbytes
    note = f"faiss {faiss.__version__} (Debian python3-faiss, generic x86-64 build), one query per call"
    if train_seconds is not None:
        note += f"; training {train_seconds:.2f} s; codes + coarse centroids {code_bytes / 1e6:.2f} MB"
    print(note, file=sys.stderr, flush=True)
    faiss.omp_set_num_threads(1)
    for value in values:
        search_params = {"ef": value}
        if ivf is not None:
            ivf.nprobe = value
            search_params = {"nprobe": value}
            if refine_k > 1:
                index.k_factor = refine_k
                search_params["refine_k"] = refine_k
        else:
            index.hnsw.efSearch = value
        for q in range(min(100, nq)):
            index.search(test[q:q + 1], k)
        lat = np.empty(nq)
        recall = 0.0
        for q in range(nq):
            s = time.perf_counter()
            _, ids = index.search(test[q:q + 1], k)
            lat[q] = (time.perf_counter() - s) * 1e6
            recall += len(set(ids[0].tolist()) & set(gt[q, :k].tolist())) / k
        lat.sort()
        print(json.dumps({
            "dataset": name, "engine": "faiss", "index": kind, "build": build_params, "search": search_params,
            "k": k, "threads": 1, "queries": nq, "build_seconds": round(build_seconds, 3), "index_bytes": int(size),
            "recall": round(recall / nq, 5), "qps": round(nq / (lat.sum() / 1e6), 1),
            "p50_us": round(float(lat[nq // 2]), 2), "p99_us": round(float(lat[min(nq - 1, int(nq * 0.99))]), 2),
            "machine": note,
        }), flush=True)


if __name__ == "__main__":
    main()
