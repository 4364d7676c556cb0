// sync_encoder benchmark (make bench):
//   BM_rtl_records_per_clock/<kind>/<mtu>  the Verilated RTL (the co-simulation's build and bench)
//        fed records back to back with the frame sink always ready; every beat checked against the
//        model. kind 0 IPv4 update (24 B), 1 IPv4 delete (16 B), 2 IPv6 update (48 B), 3 random
//        mix. Counters: records_per_clock (exact: records / clocks from the first to the last
//        handshake), clocks_per_frame (steady-state spacing of frames), mac_bound_clocks (the
//        formula 2 * (floor((20 + R) / 8) + 1) + 8 for the frame's R record bytes), mismatches.
//   BM_model_frames   the C++ model on the CPU: 60-record IPv4 frames built per second
//        (items/s = records/s), counter frames_per_s.
//   BM_codec_frames   host/sync encode_udp_packet of the same records: the baseline.
//   BM_model_vs_codec both timed in one run: counter model_over_codec (frames/s ratio).
//   build-dir/tests/bench_sync_encoder/bench_sync_encoder [--benchmark_format=json ...]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "sync_encoder_bench.hpp"

namespace {

using conductor::sync_encoder::Op;
using conductor::sync_encoder::SyncEncoderConfig;
using conductor::sync_encoder::SyncEncoderModel;
using conductor::sync_encoder::SyncRecord;
using conductor::sync_encoder::sim_bench::Bench;
namespace t = conductor::sync_encoder::testing;
namespace sync = conductor::sync;

SyncRecord make_record(std::mt19937_64& rng, const SyncEncoderConfig& c, int kind) {
  SyncRecord r = t::random_record(rng, c, 0);
  if (kind == 3) return r;
  r.ipv6 = kind == 2;
  r.op = kind == 1 ? Op::kDelete : Op::kUpdate;
  if (!r.ipv6)
    for (unsigned j = 4; j < 16; ++j) r.a_addr[j] = r.b_addr[j] = 0;
  return r;
}

void BM_rtl_records_per_clock(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  SyncEncoderConfig c = t::standard_config();
  c.mtu = static_cast<uint32_t>(state.range(1));
  c.flush_cycles = 100000;
  const int n = 6000;
  double rate = 0, spacing = 0;
  uint64_t mismatches = 0;
  for (auto _ : state) {
    Bench b(9, c);
    std::mt19937_64 rng(kind + 1);
    for (int i = 0; i < n; ++i) b.push(make_record(rng, c, kind));
    if (!b.drain(5'000'000)) state.SkipWithError("RTL did not drain");
    rate = static_cast<double>(n - 1) / static_cast<double>(b.accept_cycles.back() - b.accept_cycles.front());
    std::vector<uint64_t> gaps;
    for (size_t i = 1; i < b.first_beat_cycles.size(); ++i)
      gaps.push_back(b.first_beat_cycles[i] - b.first_beat_cycles[i - 1]);
    std::sort(gaps.begin(), gaps.end());
    spacing = gaps.empty() ? 0 : static_cast<double>(gaps[gaps.size() / 2]);
    mismatches = b.beats.mismatches() + b.beats.outstanding() + b.decode_failures;
  }
  const unsigned rec = kind == 0 ? 24 : kind == 1 ? 16 : kind == 2 ? 48 : 0;
  const unsigned max_rb = (c.mtu > 9000 ? 9000 : c.mtu) - 56;
  state.counters["records_per_clock"] = rate;
  state.counters["clocks_per_frame"] = spacing;
  if (rec) state.counters["mac_bound_clocks"] = 2.0 * ((20 + (max_rb / rec) * rec) / 8 + 1) + 8;
  state.counters["mismatches"] = static_cast<double>(mismatches);
  if (mismatches) state.SkipWithError("RTL beats differ from the model");
}
BENCHMARK(BM_rtl_records_per_clock)
    ->ArgsProduct({{0, 1, 2, 3}, {1500, 9000}})
    ->ArgNames({"kind", "mtu"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

std::vector<SyncRecord> frame_records(const SyncEncoderConfig& c) {
  std::mt19937_64 rng(5);
  std::vector<SyncRecord> v;
  for (int i = 0; i < 60; ++i) v.push_back(make_record(rng, c, 0));
  return v;
}

// One 1500-byte frame of 60 IPv4 updates through the model (closed by fullness).
double model_frames(const SyncEncoderConfig& c, const std::vector<SyncRecord>& recs, SyncEncoderModel& m, int frames) {
  uint64_t bytes = 0;
  for (int f = 0; f < frames; ++f) {
    for (const auto& r : recs) m.accept(r, 0);
    while (m.frame_ready()) {
      bytes += m.frame_len();
      m.pop_frame();
    }
  }
  (void)c;
  return static_cast<double>(bytes);
}

double codec_frames(const SyncEncoderConfig& c, const std::vector<sync::Record>& recs, int frames) {
  uint64_t bytes = 0;
  for (int f = 0; f < frames; ++f) {
    auto p = sync::encode_udp_packet(t::header(c, 0, f + 1), recs, c.key, t::encap(c, 0));
    bytes += p->size();
  }
  return static_cast<double>(bytes);
}

void BM_model_frames(benchmark::State& state) {
  const SyncEncoderConfig c = t::standard_config();
  const auto recs = frame_records(c);
  auto m = std::make_unique<SyncEncoderModel>();
  m->configure(c);
  for (auto _ : state) benchmark::DoNotOptimize(model_frames(c, recs, *m, 1));
  state.SetItemsProcessed(state.iterations() * 60);
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_model_frames);

void BM_codec_frames(benchmark::State& state) {
  const SyncEncoderConfig c = t::standard_config();
  std::vector<sync::Record> recs;
  for (const auto& r : frame_records(c)) recs.push_back(t::host_record(r));
  for (auto _ : state) benchmark::DoNotOptimize(codec_frames(c, recs, 1));
  state.SetItemsProcessed(state.iterations() * 60);
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_codec_frames);

void BM_model_vs_codec(benchmark::State& state) {
  const SyncEncoderConfig c = t::standard_config();
  const auto recs = frame_records(c);
  std::vector<sync::Record> hrecs;
  for (const auto& r : recs) hrecs.push_back(t::host_record(r));
  auto m = std::make_unique<SyncEncoderModel>();
  m->configure(c);
  const int frames = 2000;
  double ratio = 0, model_fps = 0, codec_fps = 0;
  for (auto _ : state) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    benchmark::DoNotOptimize(model_frames(c, recs, *m, frames));
    const auto t1 = clock::now();
    benchmark::DoNotOptimize(codec_frames(c, hrecs, frames));
    const auto t2 = clock::now();
    model_fps = frames / std::chrono::duration<double>(t1 - t0).count();
    codec_fps = frames / std::chrono::duration<double>(t2 - t1).count();
    ratio = model_fps / codec_fps;
  }
  state.counters["model_frames_per_s"] = model_fps;
  state.counters["codec_frames_per_s"] = codec_fps;
  state.counters["model_over_codec"] = ratio;
}
BENCHMARK(BM_model_vs_codec)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
