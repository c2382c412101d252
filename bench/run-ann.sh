#!/usr/bin/env bash
# Runs Quiver and its peers (hnswlib built -march=native, USearch, FAISS) on one dataset, in turn,
# in one command, and draws one chart with its markdown table.
# Usage: bench/run-ann.sh [DATASET] [OUTDIR]
#   DATASET  fashion-mnist (default), synthetic:n=…,d=…,clusters=…,seed=…, or an ann-benchmarks .hdf5
#   BUILD=M=16,efConstruction=200  SEARCH=ef=10,20,40,80,160  PEERS="hnswlib usearch faiss"  QUERIES=0
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:-fashion-mnist}
out=${2:-results}
build=${BUILD:-M=16,efConstruction=200}
search=${SEARCH:-ef=10,20,40,80,160}
peers=${PEERS:-hnswlib usearch faiss}
queries=${QUERIES:-0}
mkdir -p "$out"
name=$(echo "$dataset" | tr -c 'A-Za-z0-9.=,-' '_' | sed 's/_*$//')
file="$out/ann-$name.jsonl"
rm -f "$file"

dotnet build -c Release bench/Quiver.Bench -v q -nologo
bench=(dotnet bench/Quiver.Bench/bin/Release/net10.0/quiver-bench.dll)
"${bench[@]}" ann --dataset "$dataset" --index HNSW --build "$build" --search "$search" --queries "$queries" --threads 1 --out "$file"
"${bench[@]}" ann --dataset "$dataset" --index HNSW --build "$build" --search "$search" --queries "$queries" --threads 0 --out "$file"
for peer in $peers; do
  if [[ $peer == usearch && ! -d bench/peers/usearch/node_modules/usearch ]]; then
    (cd bench/peers/usearch && npm ci --no-audit --no-fund)
  fi
  "${bench[@]}" peers --engine "$peer" --dataset "$dataset" --build "$build" --search "$search" --queries "$queries" --out "$file"
done
"${bench[@]}" plot "$file" --out "$out/ann-$name.png" --title "$dataset, k=10, one query at a time (t=0: all cores)"
