#!/usr/bin/env bash
# make bench: runs every benchmark of one build and writes JSON to BUILD/bench/:
#   hash.json     Google Benchmark: our Toeplitz vs DPDK rte_softrss / rte_thash_gfni (same run)
#   flow.json     Google Benchmark: flow-table model vs DPDK rte_hash_lookup_bulk (ratio counter),
#                 occupancy at the first insert failure, RTL operations per clock (90/10 mix)
#   flow_capacity.json the flow-table model up to 140M connections (bucket_log2 20/22/24/25, walk 16 and
#                 0): occupancy at the first insert failure, connections held at the target, inserts/s
#                 by load band, all-hit lookups/s, table bytes and peak RSS (12 GiB at 25; minutes)
#   sync.json     Google Benchmark: HyperSync bytes per state change vs conntrackd FTFW and pfsync
#                 (computed from their published formats), frames encoded/decoded per second
#   sync_load.json Google Benchmark: HyperSync sync bytes as % of data traffic on a mostly-short flow mix,
#                 with/without delayed notifications, beside the published figures; Sender frames/s
#   sync_encoder.json Google Benchmark: sync_encoder RTL records per clock (Verilator, exact) and the
#                 model's frames per second vs the host codec's encode_udp_packet (same run)
#   sync_decoder.json Google Benchmark: sync_decoder RTL frames and records per clock (Verilator, exact)
#                 and the model's frames per second vs the host codec's decode_frame
#   core.json     Verilated core: simulation speed and exact frames/beats per clock
#   traffic.json  Verilated core on a user's traffic (1K/20K/200K established connections, a flood of
#                 new ones, 30% new, IMIX): frames/beats per clock, Mpps at 300 MHz, connections
#                 learned per second, every frame checked against the model (BENCH_TRAFFIC_SCALE, %)
#   traffic_hbm.json the HBM build of the core (flow table behind the HBM memory model's AXI channels):
#                 1M and 4M connections learned, then established / 30% new / flood, 64-byte frames,
#                 every frame checked against the model (BENCH_TRAFFIC_HBM_SCALE, %; about 25 minutes)
#   standby.json  conductor sim --standby: an active and a standby core linked by HyperSync, an
#                 orchestrator failover under traffic: misrouted connections, mirror lag in clocks,
#                 on a clean link and a lossy one (docs/hypersync.md §13.3)
#   sync_scale.json conductor-member agents (network namespaces as root, else loopback): seconds for a
#                 joining member's full sync vs connections per member (10k/100k/1M, 0% loss) and vs loss
#                 on every link (0/1/10/30% at 100k; iptables, or --sync-impair on loopback), ratio to
#                 the lossless time, frames the joiner received, bytes of VmRSS per backup entry;
#                 sync_scale.svg beside it plots both (BENCH_SYNC_SCALE=10000,100000 sets the sizes)
#   sync_delta.json one primary's connection changes synced to two backups over UDP on 127.0.0.1 (one
#                 thread, real clock, 1M connections): achieved changes/s vs target (50k/100k/200k/400k),
#                 lag, frames in flight, catch-up after the changes stop, CPU per change, "keeps up"
#   summary.json  the ratios and the core figures together
# BENCH_FRAMES (default 200000) sets the frames per mix of the core benchmark.
set -euo pipefail
build=${1:-build}
out="$build/bench"
mkdir -p "$out"

echo "bench: Toeplitz hash on the CPU (ours vs DPDK), 3 repetitions ..."
"$build/tests/bench_hash/bench_hash" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/hash.json" --benchmark_out_format=json

echo "bench: flow table (model vs DPDK rte_hash, occupancy, RTL ops per clock) ..."
"$build/tests/bench_flow/bench_flow" --benchmark_out="$out/flow.json" --benchmark_out_format=json

echo "bench: flow-table model capacity and learning rate up to 140M connections (12 GiB at bucket_log2 25) ..."
# A size that does not fit in MemAvailable is reported (stderr, its JSON record) and exits 1; the
# other benchmarks still run.
"$build/tests/bench_flow/bench_flow_capacity" --out "$out/flow_capacity.json" ||
  echo "bench: flow_capacity.json is incomplete (see the error above)" >&2

echo "bench: HyperSync codec (bytes per change vs conntrackd / pfsync, frames per second) ..."
"$build/tests/bench_sync/bench_sync" --benchmark_out="$out/sync.json" --benchmark_out_format=json

echo "bench: HyperSync load (sync % of data traffic, delayed notifications, sender frames/s), sync_encoder, sync_decoder ..."
"$build/tests/bench_sync_load/bench_sync_load" --benchmark_out="$out/sync_load.json" --benchmark_out_format=json
"$build/tests/bench_sync_encoder/bench_sync_encoder" --benchmark_out="$out/sync_encoder.json" --benchmark_out_format=json
"$build/tests/bench_sync_decoder/bench_sync_decoder" --benchmark_out="$out/sync_decoder.json" --benchmark_out_format=json

echo "bench: conductor_core in Verilator ..."
"$build/tests/bench_core/bench_core" --frames "${BENCH_FRAMES:-200000}" --out "$out/core.json" >/dev/null

echo "bench: conductor_core on established connections, floods and mixes (exact cycles, checked against the model) ..."
"$build/tests/bench_core/bench_traffic" --scale "${BENCH_TRAFFIC_SCALE:-100}" --out "$out/traffic.json" >/dev/null

echo "bench: conductor_core with its flow table in HBM, 1M and 4M connections (about 25 minutes) ..."
"$build/tests/bench_core/bench_traffic" --flow-table hbm --scale "${BENCH_TRAFFIC_HBM_SCALE:-100}" \
  --out "$out/traffic_hbm.json" >/dev/null

echo "bench: orchestrator failover onto a standby core mirrored by HyperSync (two Verilated cores) ..."
printf 'at 20000 weights 5:100\nat 60000 orchestrator-failover\n' > "$out/standby.events"
{
  echo "["
  sep=""
  for link in "" "--link-loss 1 --link-reorder 5"; do
    # shellcheck disable=SC2086 # the link flags are words
    line=$("$build/bin/conductor" sim --engine rtl --standby --packets 100000 --flows 5000 --seed 11 \
      --events "$out/standby.events" --sync-delay 100 --age-frames 2 --flow-capacity 20000 \
      --flow-timeout 100000000 $link | tail -n 1)
    printf '%s{"link_flags": "%s", "summary": %s}\n' "$sep" "$link" "$line"
    sep=","
  done
  echo "]"
} > "$out/standby.json"

echo "bench: HyperSync full sync at scale between member agents (joining member vs connections and loss) ..."
"$build/tests/bench_sync_scale/bench_sync_scale" --out "$out/sync_scale.json"

echo "bench: HyperSync delta sync at scale (1M connections, changes/s to two backups over UDP) ..."
"$build/tests/bench_sync_scale/bench_sync_delta" --rates 50000,100000,200000,400000 --out "$out/sync_delta.json"

"$build/tests/bench_core/bench_summary" "$out/hash.json" "$out/core.json" > "$out/summary.json"
echo
echo "bench: JSON in $out/ (hash.json, flow.json, flow_capacity.json, sync.json, sync_load.json, sync_encoder.json, sync_decoder.json, core.json, traffic.json, traffic_hbm.json, standby.json, sync_scale.json/.svg, sync_delta.json, summary.json)"
