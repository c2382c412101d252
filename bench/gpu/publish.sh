#!/usr/bin/env bash
# Publishes quiver-gpu (bench/Quiver.Gpu) self-contained, single file, trimmed (TrimMode=partial with the
# ILGPU roots of dotnet-stack-notes §3), into .device/ at the repo root, with the fashion-mnist .gz files
# beside it in .device/fashion-mnist/. Run here, before a device call that carries ".device".
# Then checks that the trimmed binary works with an empty environment (no dotnet, no HOME):
# `check` and `bench --quick` on ILGPU's CPU accelerator. Trim analysis is off: TrimMode=partial trims only
# assemblies marked trimmable (the BCL), ours stay whole, and reflection JSON is switched back on; the
# verification run below is what shows the result works. SKIP_VERIFY=1 skips that (about 5 minutes here).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
fashion_src="${FASHION_DIR:-/usr/share/datasets/fashion-mnist}"
out=.device

rm -rf "$out" bench/Quiver.Gpu/obj/Release/net10.0/linux-x64 bench/Quiver.Gpu/bin/Release/net10.0/linux-x64
dotnet publish bench/Quiver.Gpu/Quiver.Gpu.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true \
  -p:EnableTrimAnalyzer=false -p:SuppressTrimAnalysisWarnings=true \
  -o "$out" -nologo -v:q
# Only the executable travels: drop anything else publish left beside it.
find "$out" -maxdepth 1 -type f ! -name quiver-gpu -delete
mkdir -p "$out/fashion-mnist"
for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  cp "$fashion_src/$f" "$out/fashion-mnist/$f"
done

if [ "${SKIP_VERIFY:-0}" != 1 ]; then
  echo "== verify: env -i $out/quiver-gpu check --accelerator cpu"
  verify=$(mktemp -d)
  env -i "$out/quiver-gpu" check --accelerator cpu | tail -3
  echo "== verify: env -i $out/quiver-gpu bench --quick --accelerator cpu"
  env -i "$out/quiver-gpu" bench --quick --accelerator cpu --out "$verify/out" --fashion "$out/fashion-mnist" --cache "$verify/cache" 2>&1 | grep -v '^{' | tail -4
  points=$(grep -c '"engine":"quiver-gpu"' "$verify/out/quiver-gpu.jsonl")
  echo "   $points result lines"
  [ "$points" -gt 0 ] || { echo "verify: no result lines" >&2; exit 1; }
  rm -rf "$verify"
fi

ls -l "$out/quiver-gpu"
total=$(du -sb "$out" | cut -f1)
echo "total .device: $total bytes ($((total / 1048576)) MiB; the device call may carry 64 MiB in all, the working tree included)"
[ "$total" -lt $((48 * 1048576)) ] || { echo "publish: .device is over 48 MiB; too close to the 64 MiB limit" >&2; exit 1; }
