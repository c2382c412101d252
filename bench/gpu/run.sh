#!/usr/bin/env bash
# On the GPU machine (no .NET, no network), from the repo root, with ".device" carried (bench/gpu/publish.sh):
#   bash bench/gpu/run.sh "$OUT"
# 1. device.txt    nvidia-smi, driver, where libcuda is, python3/torch versions
# 2. check.log     quiver-gpu check --accelerator cuda (kernel + index conformance cases; a failure is recorded, not fatal)
# 3. quiver-gpu.jsonl / quiver-gpu.log   quiver-gpu bench (GPU_BRUTE_FORCE, GPU_IVF_FLAT; synthetic 1M × 128 and fashion-mnist)
# 4. pytorch.jsonl / pytorch.log         bench/gpu/torch_anchor.py (float32 matmul + topk, TF32 off), same data and queries
# 5. summary.txt   step exit codes and times, and the issue's two targets read off the lines
# Seven files in OUT (the device tool returns at most 8). Each step runs under its own timeout; the whole run
# stays under about 9 minutes. Dry run here: QUIVER_GPU_ACCELERATOR=cpu QUIVER_GPU_QUICK=1 bash bench/gpu/run.sh /tmp/dry
set -uo pipefail
out="${1:?usage: bench/gpu/run.sh OUT_DIR}"
mkdir -p "$out"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
acc="${QUIVER_GPU_ACCELERATOR:-cuda}"
quick=(); [ "${QUIVER_GPU_QUICK:-0}" = 1 ] && quick=(--quick)
cache="${QUIVER_GPU_CACHE:-/tmp/quiver-cache}"
bin=./.device/quiver-gpu
fashion=.device/fashion-mnist
t_info="${QUIVER_GPU_T_INFO:-30}" t_data="${QUIVER_GPU_T_DATA:-90}" t_check="${QUIVER_GPU_T_CHECK:-100}"
t_bench="${QUIVER_GPU_T_BENCH:-240}" t_torch="${QUIVER_GPU_T_TORCH:-90}"
summary="$out/summary.txt"
: > "$summary"
step() {  # step NAME SECONDS LOGFILE CMD…: runs CMD under timeout, output to LOGFILE, records rc and seconds
  local name=$1 limit=$2 logf=$3; shift 3
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >>"$logf" 2>&1
  local rc=$?
  echo "step $name: rc=$rc ($((SECONDS - t0)) s of $limit s)$([ $rc = 124 ] && echo ' TIMED OUT')" | tee -a "$summary"
  return $rc
}

[ -x "$bin" ] || { echo "run.sh: $bin is missing; run bench/gpu/publish.sh here and carry .device" | tee -a "$summary"; exit 2; }

# libcuda: ILGPU asks for libcuda.so / libcuda.so.1 through the loader (GpuDevice installs the .so.1 fallback);
# the driver's folder on these machines is /usr/local/nvidia, so add it when the loader cache lacks libcuda.
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/libcuda.so.1" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
fi

{
  echo "date: $(date -u +%FT%TZ)"; echo "uname: $(uname -a)"; echo "nproc: $(nproc)"
  echo "accelerator: $acc; quick: ${QUIVER_GPU_QUICK:-0}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "--- libcuda"; ldconfig -p 2>/dev/null | grep libcuda; ls -l /usr/local/nvidia/lib64/libcuda* 2>/dev/null
  echo "--- nvidia-smi"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem,clocks.max.sm,power.limit --format=csv
  else echo "nvidia-smi: not present"; fi
  echo "--- python"; python3 -c 'import sys; print(sys.version)' 2>&1
  python3 -c 'import numpy, torch; print("numpy", numpy.__version__, "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(0))' 2>&1
  echo "--- quiver-gpu"; ls -l "$bin"
} > "$out/device.txt" 2>&1
echo "device: $(grep -m1 -o 'NVIDIA [A-Z0-9 ]*' "$out/device.txt" || echo 'no nvidia-smi')" | tee -a "$summary"

# Data first, without the device (synthetic .fvecs and the CPU ground truth under $cache): the PyTorch anchor
# needs them even if the CUDA side fails to start.
step data "$t_data" "$out/quiver-gpu.log" "$bin" bench --data-only "${quick[@]}" --out "$out" --fashion "$fashion" --cache "$cache"
step check "$t_check" "$out/check.log" "$bin" check --accelerator "$acc"
grep -E '^[0-9]+ passed' "$out/check.log" | tee -a "$summary"
grep -E '^FAIL' "$out/check.log" | head -20 | tee -a "$summary"
# The bench stops starting new points at its budget, a little before the step's timeout, and writes each line as it goes.
step bench "$t_bench" "$out/quiver-gpu.log" "$bin" bench --accelerator "$acc" "${quick[@]}" --out "$out" --fashion "$fashion" \
  --cache "$cache" --budget-seconds $((t_bench - 40))

train=$(ls "$cache"/synthetic/*.train.fvecs 2>/dev/null | head -1)
if ! python3 -c 'import numpy, torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
  echo "step torch: skipped: python3 has no numpy/torch or torch sees no CUDA device ($(python3 -c 'import torch' 2>&1 | tail -1))" | tee -a "$summary"
elif [ -z "$train" ]; then
  echo "step torch: skipped: no synthetic .fvecs under $cache/synthetic (the data step failed)" | tee -a "$summary"
else
  step torch "$t_torch" "$out/pytorch.log" env PYTHONUNBUFFERED=1 python3 bench/gpu/torch_anchor.py --out "$out" "${quick[@]}" \
    --fashion "$fashion" --synthetic-train "$train" --synthetic-test "${train%.train.fvecs}.test.fvecs" --gt-dir "$cache/gt"
fi

# The issue's targets, read off the lines (python3 without numpy is enough).
python3 - "$out" >>"$summary" 2>&1 <<'PY'
import json, os, sys
out = sys.argv[1]
def lines(name):
    p = os.path.join(out, name)
    return [json.loads(l) for l in open(p) if l.startswith("{")] if os.path.exists(p) else []
q, t = lines("quiver-gpu.jsonl"), lines("pytorch.jsonl")
bw = [l for l in q if l.get("bench") == "gpu_bandwidth"]
if bw: print(f"bandwidth (quiver-gpu copy): {bw[0]['gb_per_s']} GB/s on {bw[0]['device']}")
pts = [l for l in q if l.get("engine")]
syn = sorted({l["dataset"] for l in pts if l["dataset"].startswith("synthetic")})
def pick(rows, ds, index, k, batch):
    return [l for l in rows if l.get("dataset") == ds and l.get("index") == index and l.get("k") == k and l["search"].get("batch") == batch]
for ds in syn:
    big = max(l["search"]["batch"] for l in pts if l["dataset"] == ds)
    a, b = pick(pts, ds, "GPU_BRUTE_FORCE", 10, big), pick(t, ds, "matmul+topk", 10, big)
    if a and b:
        print(f"target 1: {ds} batch {big} k 10: GPU_BRUTE_FORCE {a[0]['qps']:.0f} QPS vs PyTorch {b[0]['qps']:.0f} QPS = {a[0]['qps'] / b[0]['qps']:.2f}x (target >= 0.5x)")
    else:
        print(f"target 1: {ds} batch {big} k 10: missing {'quiver-gpu' if not a else 'pytorch'} line")
    for l in pick(pts, ds, "GPU_BRUTE_FORCE", 10, 1):
        f = l["extra"]["read_floor_us"]
        print(f"target 2: {ds} batch 1 k 10: GPU_BRUTE_FORCE p50 {l['p50_us']:.0f} us vs read floor {f:.0f} us = {l['p50_us'] / f:.2f}x (target <= 2x)")
print(f"{len(pts)} quiver-gpu points, {len([l for l in t if l.get('engine')])} pytorch points")
for l in pts + [l for l in t if l.get("engine")]:
    print(f"  {l['engine']:10} {l['dataset'][:34]:34} {l['index']:15} {json.dumps(l['search'], separators=(',', ':')):26} k={l['k']:<3} recall {l['recall']:.4f} qps {l['qps']:>12.1f} p50 {l['p50_us']:>12.1f} us")
PY
echo "=== summary ($out)"; cat "$summary"
ls -l "$out"
