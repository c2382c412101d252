"""Quiver's harness around FAISS (Debian's python3-faiss), printing quiver-bench JSON lines.

Usage: /usr/bin/python3 harness.py DATASET TRAIN.fvecs TEST.fvecs GT.ivecs M EFC EF1,EF2,... K QUERIES BUILD_THREADS [INDEX NLIST]

INDEX is HNSW (default; the sweep is efSearch) or IVF_FLAT (IndexIVFFlat with NLIST lists; the sweep is nprobe).

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


def main():
    name, train_path, test_path, gt_path, m, efc, efs, k, limit, threads = sys.argv[1:11]
    kind = sys.argv[11].upper() if len(sys.argv) > 11 else "HNSW"
    nlist = int(sys.argv[12]) if len(sys.argv) > 12 else 1024
    m, efc, k, limit, threads = int(m), int(efc), int(k), int(limit), int(threads)
    train = read_vecs(train_path, np.float32)
    test = read_vecs(test_path, np.float32)
    gt = read_vecs(gt_path, np.int32)
    nq = min(limit, len(test)) if limit > 0 else len(test)
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    t0 = time.perf_counter()
    if kind == "IVF_FLAT":
        quantizer = faiss.IndexFlatL2(train.shape[1])
        index = faiss.IndexIVFFlat(quantizer, train.shape[1], nlist)
        index.train(train)
        index.add(train)
        build_params = {"nlist": nlist}
    else:
        index = faiss.IndexHNSWFlat(train.shape[1], m)
        index.hnsw.efConstruction = efc
        index.add(train)
        build_params = {"m": m, "efconstruction": efc}
    build = time.perf_counter() - t0
    size = faiss.serialize_index(index).nbytes
    faiss.omp_set_num_threads(1)
    for ef in [int(x) for x in efs.split(",")]:
        if kind == "IVF_FLAT":
            index.nprobe = ef
        else:
            index.hnsw.efSearch = ef
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
            "dataset": name, "engine": "faiss", "index": kind, "build": build_params, "search": {"nprobe" if kind == "IVF_FLAT" else "ef": ef},
            "k": k, "threads": 1, "queries": nq, "build_seconds": round(build, 3), "index_bytes": int(size),
            "recall": round(recall / nq, 5), "qps": round(nq / (lat.sum() / 1e6), 1),
            "p50_us": round(float(lat[nq // 2]), 2), "p99_us": round(float(lat[min(nq - 1, int(nq * 0.99))]), 2),
            "machine": f"faiss {faiss.__version__} (Debian python3-faiss, generic x86-64 build), one query per call",
        }), flush=True)


if __name__ == "__main__":
    main()
