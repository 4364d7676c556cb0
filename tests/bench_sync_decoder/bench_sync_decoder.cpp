// sync_decoder benchmark (make bench):
//   BM_rtl_frames_per_clock/<kind>  the Verilated RTL (the co-simulation's build and bench) fed full
//        1500-byte frames back to back with m_op always ready; every op checked against the model.
//        kind 0 IPv4 update (60 per frame), 1 IPv4 delete (90), 2 IPv6 update (30). Counters:
//        frames_per_clock and records_per_clock (exact: from the first frame's first beat to the
//        last frame's), clocks_per_frame, mismatches.
//   BM_model_frames   the C++ model on the CPU: 60-record IPv4 frames judged and applied per second
//        (items/s = records/s), counter frames_per_s.
//   BM_codec_frames   host/sync decode_frame of the same payloads: the baseline.
//   build-dir/tests/bench_sync_decoder/bench_sync_decoder [--benchmark_format=json ...]
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "sync_decoder_bench.hpp"

namespace {

using namespace conductor::sync_decoder;
using conductor::sync_decoder::sim_bench::Bench;
namespace t = conductor::sync_decoder::testing;
namespace sync = conductor::sync;

std::vector<sync::Record> frame_records(int kind, std::mt19937_64& rng) {
  const int n = kind == 0 ? 60 : kind == 1 ? 90 : 30;
  std::vector<sync::Record> v;
  for (int i = 0; i < n; ++i) {
    std::array<uint8_t, 16> a{}, b{};
    for (auto& x : a) x = static_cast<uint8_t>(rng());
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    const auto k = kind == 2 ? sync::key_v6(a, b, 1000, 443, 6)
                             : sync::key_v4(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()), 1000, 443, 6);
    v.push_back(kind == 1 ? sync::delete_record(k) : sync::update_record(k, rng()));
  }
  return v;
}

void BM_rtl_frames_per_clock(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const int frames = 50;
  double fpc = 0, rpc = 0, spacing = 0;
  uint64_t mismatches = 0;
  size_t per_frame = 0;
  for (auto _ : state) {
    Bench b(9, t::standard_config());
    std::mt19937_64 rng(kind + 1);
    for (int f = 0; f < frames; ++f) {
      const auto recs = frame_records(kind, rng);
      per_frame = recs.size();
      b.push(t::udp_frame(t::header(t::kPeer, t::kSelf, 1, static_cast<uint32_t>(f + 1)), recs, t::slot_key(0)));
    }
    if (!b.drain()) state.SkipWithError("RTL did not drain");
    const double span = static_cast<double>(b.first_beat_cycles.back() - b.first_beat_cycles.front());
    fpc = (frames - 1) / span;
    rpc = fpc * static_cast<double>(per_frame);
    spacing = span / (frames - 1);
    mismatches = b.ops.mismatches() + b.ops.outstanding();
  }
  state.counters["frames_per_clock"] = fpc;
  state.counters["records_per_clock"] = rpc;
  state.counters["clocks_per_frame"] = spacing;
  state.counters["mismatches"] = static_cast<double>(mismatches);
  if (mismatches) state.SkipWithError("RTL ops differ from the model");
}
BENCHMARK(BM_rtl_frames_per_clock)->DenseRange(0, 2)->ArgName("kind")->Iterations(1)->Unit(benchmark::kMillisecond);

// 200 frames of 60 IPv4 updates, sequences 1..200 (a fresh decoder per pass).
std::vector<std::vector<uint8_t>> test_frames() {
  std::mt19937_64 rng(5);
  std::vector<std::vector<uint8_t>> v;
  for (uint32_t s = 1; s <= 200; ++s)
    v.push_back(t::udp_frame(t::header(t::kPeer, t::kSelf, 1, s), frame_records(0, rng), t::slot_key(0)));
  return v;
}

void BM_model_frames(benchmark::State& state) {
  const auto frames = test_frames();
  auto m = std::make_unique<SyncDecoderModel>();
  m->configure(t::standard_config());
  uint64_t n = 0;
  for (auto _ : state) {
    m->clear_replay();
    for (const auto& f : frames) {
      benchmark::DoNotOptimize(m->receive(f.data(), static_cast<unsigned>(f.size())));
      for (; m->op_ready(); m->pop_op()) benchmark::DoNotOptimize(m->op());
    }
    n += frames.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n) * 60);
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_model_frames);

void BM_codec_frames(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> payloads;
  for (const auto& f : test_frames()) payloads.push_back(t::payload(f));
  const auto keys = t::key_ring(t::standard_config());
  const auto members = t::membership(t::standard_config());
  uint64_t n = 0;
  for (auto _ : state) {
    sync::ReplayState replay;
    for (const auto& p : payloads) benchmark::DoNotOptimize(sync::decode_frame(p, keys, replay, members));
    n += payloads.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n) * 60);
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_codec_frames);

}  // namespace

BENCHMARK_MAIN();
