// bench_sync: HyperSync bytes per state change vs conntrackd FTFW and OpenBSD pfsync, and the codec's
// frame rate on the CPU (docs/hypersync.md §9).
//
//   BM_bytes_per_change/<change>  counters (bytes): ours_record, ours_alone, ours_full_frame (measured:
//                                 the Ethernet frame the codec builds for a full 1500-byte-MTU packet,
//                                 divided by its records), ftfw_message, ftfw_full_frame, pfsync_message,
//                                 pfsync_full_frame, and the ratios ftfw_over_ours, pfsync_over_ours.
//                                 change: 0 new IPv4, 1 update IPv4, 2 delete IPv4, 3 new IPv6, 4 update IPv6.
//   BM_encode_frame               60 IPv4 updates per frame, frames/s and records/s
//   BM_decode_frame               the same frames through decode_frame (tag, replay window, records)
//   BM_siphash/<bytes>            the tag alone, bytes/s
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "host/sync/codec.hpp"
#include "tests/sync/peer_formats.hpp"
#include "tests/sync/sync_test_util.hpp"

namespace {

using namespace conductor::sync;
namespace peer = conductor::sync::peer;

struct Change {
  const char* name;
  bool ipv6;
  RecordType type;
  size_t ftfw;
  size_t pfsync;
};
const Change kChanges[] = {
    {"new_v4", false, RecordType::kNewV4, peer::ftfw_tcp_message(false), peer::kPfsyncState},
    {"update_v4", false, RecordType::kUpdateV4, peer::ftfw_tcp_message(false), peer::kPfsyncUpdC},
    {"delete_v4", false, RecordType::kDeleteV4, peer::ftfw_tcp_message(false), peer::kPfsyncDelC},
    {"new_v6", true, RecordType::kNewV6, peer::ftfw_tcp_message(true), peer::kPfsyncState},
    {"update_v6", true, RecordType::kUpdateV6, peer::ftfw_tcp_message(true), peer::kPfsyncUpdC},
};

Record make(const Change& c, uint32_t i) {
  const FlowKey k = c.ipv6 ? test::sample_key_v6(i) : test::sample_key_v4(i);
  switch (c.type) {
    case RecordType::kNewV4:
    case RecordType::kNewV6:
      return new_record(k, test::sample_value(i));
    case RecordType::kDeleteV4:
      return delete_record(k);
    default:
      return update_record(k, test::sample_value(i));
  }
}

void BM_bytes_per_change(benchmark::State& state) {
  const Change& c = kChanges[state.range(0)];
  const size_t rec = record_bytes(c.type);
  const size_t n = records_per_frame(kDefaultMtu, false, rec);
  std::vector<Record> recs;
  for (uint32_t i = 0; i < n; ++i) recs.push_back(make(c, i));
  size_t frame_bytes = 0, alone_bytes = 0;
  for (auto _ : state) {
    auto full = encode_udp_packet(test::sample_header(), recs, fuzz::fuzz_key(), UdpEncap{});
    auto one = encode_udp_packet(test::sample_header(), {recs[0]}, fuzz::fuzz_key(), UdpEncap{});
    if (!full || !one) {
      state.SkipWithError("encode failed");
      return;
    }
    frame_bytes = full->size();
    alone_bytes = one->size();
    benchmark::DoNotOptimize(frame_bytes);
  }
  const double ours = static_cast<double>(frame_bytes) / static_cast<double>(n);
  const auto ftfw = peer::full_frame(kDefaultMtu, peer::kFtfwFixedV4, c.ftfw);
  const auto pf = peer::full_frame(kDefaultMtu, peer::kPfsyncFixedV4, c.pfsync);
  state.SetLabel(c.name);
  state.counters["ours_record"] = static_cast<double>(rec);
  state.counters["ours_alone"] = static_cast<double>(alone_bytes);
  state.counters["ours_full_frame"] = ours;
  state.counters["ours_per_frame"] = static_cast<double>(n);
  state.counters["ftfw_message"] = static_cast<double>(c.ftfw);
  state.counters["ftfw_full_frame"] = ftfw.per_change;
  state.counters["pfsync_message"] = static_cast<double>(c.pfsync);
  state.counters["pfsync_full_frame"] = pf.per_change;
  state.counters["ftfw_over_ours"] = ftfw.per_change / ours;
  state.counters["pfsync_over_ours"] = pf.per_change / ours;
}
BENCHMARK(BM_bytes_per_change)->DenseRange(0, 4)->Iterations(1);

std::vector<Record> full_v4_frame() {
  std::vector<Record> recs;
  for (uint32_t i = 0; i < 60; ++i) recs.push_back(update_record(test::sample_key_v4(i), test::sample_value(i)));
  return recs;
}

void BM_encode_frame(benchmark::State& state) {
  const auto recs = full_v4_frame();
  FrameHeader h = test::sample_header();
  size_t bytes = 0;
  for (auto _ : state) {
    ++h.sequence;
    auto f = encode_frame(h, recs, fuzz::fuzz_key());
    bytes += f->size();
    benchmark::DoNotOptimize(f->data());
  }
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * recs.size()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_encode_frame);

void BM_decode_frame(benchmark::State& state) {
  const auto recs = full_v4_frame();
  constexpr uint32_t kFrames = 1024;
  std::vector<std::vector<uint8_t>> frames;
  for (uint32_t s = 1; s <= kFrames; ++s)
    frames.push_back(*encode_frame(test::sample_header(s), recs, fuzz::fuzz_key()));
  const KeyRing keys = fuzz::fuzz_keys();
  const Membership members = fuzz::fuzz_membership();
  ReplayState replay;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    if (i == kFrames) {  // a new lap: forget the window (amortised over 1024 frames)
      state.PauseTiming();
      replay = ReplayState{};
      i = 0;
      state.ResumeTiming();
    }
    auto d = decode_frame(frames[i], keys, replay, members);
    if (!d) {
      state.SkipWithError(d.error().message.c_str());
      return;
    }
    bytes += frames[i].size();
    benchmark::DoNotOptimize(d->records.data());
    ++i;
  }
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * recs.size()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_decode_frame);

void BM_siphash(benchmark::State& state) {
  std::vector<uint8_t> msg(static_cast<size_t>(state.range(0)), 0x5A);
  for (auto _ : state) benchmark::DoNotOptimize(siphash24(fuzz::fuzz_key(), msg.data(), msg.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
}
BENCHMARK(BM_siphash)->Arg(64)->Arg(1464);

}  // namespace

BENCHMARK_MAIN();
