#!/usr/bin/env bash
# make bench: runs every benchmark of one build and writes JSON to BUILD/bench/:
#   hash.json     Google Benchmark: our Toeplitz vs DPDK rte_softrss / rte_thash_gfni (same run)
#   core.json     Verilated core: simulation speed and exact frames/beats per clock
#   summary.json  the ratios and the core figures together
# BENCH_FRAMES (default 200000) sets the frames per mix of the core benchmark.
set -euo pipefail
build=${1:-build}
out="$build/bench"
mkdir -p "$out"

echo "bench: Toeplitz hash on the CPU (ours vs DPDK), 3 repetitions ..."
"$build/tests/bench_hash/bench_hash" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/hash.json" --benchmark_out_format=json

echo "bench: conductor_core in Verilator ..."
"$build/tests/bench_core/bench_core" --frames "${BENCH_FRAMES:-200000}" --out "$out/core.json" >/dev/null

"$build/tests/bench_core/bench_summary" "$out/hash.json" "$out/core.json" > "$out/summary.json"
echo
echo "bench: JSON in $out/ (hash.json, core.json, summary.json)"
