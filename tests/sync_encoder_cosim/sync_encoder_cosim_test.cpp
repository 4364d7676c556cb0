// Co-simulation of rtl/sync_encoder against the golden model SyncEncoderModel (hls/sync_encoder):
// directed and random records (IPv4/IPv6, NEW/UPDATE/DELETE, young, invalid, unknown destination,
// several destinations, MTUs 128..9000, flush times from 1 clock), random idle on the record
// stream, random back-pressure on the frame stream, random initial register contents. Every
// output beat is compared bit for bit, every RTL frame is decoded by host/sync decode_frame, the
// counters are compared at the end. Also asserts the input II (1 while a frame fills), the output
// II (1 beat per clock within a frame), the latency of a lone record and the sustained rate, and
// prints them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "sync_encoder_bench.hpp"

namespace conductor::sync_encoder {
namespace {

using sim_bench::Bench;
using testing::random_record;
using testing::standard_config;

void expect_clean(Bench& b, const char* what) {
  std::printf("%s: %s; %llu frames decoded by host/sync\n", what, b.beats.summary().c_str(),
              static_cast<unsigned long long>(b.frames_decoded));
  EXPECT_TRUE(b.beats.clean()) << what;
  EXPECT_GT(b.beats.matched(), 0u) << what;
  EXPECT_EQ(b.decode_failures, 0u) << what;
  const SyncEncoderCounters rtl = b.rtl_counters();
  const SyncEncoderCounters& m = b.model->counters();
  EXPECT_TRUE(rtl == m) << what << ": counters differ: rtl frames " << rtl.frames << " records " << rtl.records
                        << " young " << rtl.young << " timer " << rtl.close_timer << " full " << rtl.close_full
                        << " dest " << rtl.close_dest << "; model frames " << m.frames << " records " << m.records
                        << " young " << m.young << " timer " << m.close_timer << " full " << m.close_full << " dest "
                        << m.close_dest;
  EXPECT_EQ(rtl.frames, b.frames_decoded) << what;
}

// The Verilated build's SipRounds per clock (-GRoundsPerClock; a second build checks 2).
#ifndef SYNC_ENCODER_ROUNDS
#define SYNC_ENCODER_ROUNDS 1
#endif
constexpr unsigned kRounds = SYNC_ENCODER_ROUNDS;

// Message words + 1 last word, 2 rounds each, and 4 finalisation rounds, kRounds per clock.
unsigned mac_clocks(unsigned records_bytes) { return (2 * ((20 + records_bytes) / 8 + 1) + 4) / kRounds; }

TEST(SyncEncoderCosim, RegistersAndGeometry) {
  Bench b(1, standard_config());
  const uint32_t g = b.axil.read_ok(regs::SYNC_ENCODER_GEOMETRY_OFFSET);
  EXPECT_EQ(g & regs::SYNC_ENCODER_GEOMETRY_MAX_MTU_MASK, kRtlMaxMtu);
  EXPECT_EQ(regs::field_get(g, regs::SYNC_ENCODER_GEOMETRY_DESTS_LSB, regs::SYNC_ENCODER_GEOMETRY_DESTS_WIDTH),
            kDestSlots);
  EXPECT_EQ(
      regs::field_get(g, regs::SYNC_ENCODER_GEOMETRY_DELAY_PORTS_LSB, regs::SYNC_ENCODER_GEOMETRY_DELAY_PORTS_WIDTH),
      kDelayClasses);
  EXPECT_EQ(regs::field_get(g, regs::SYNC_ENCODER_GEOMETRY_ROUNDS_LSB, regs::SYNC_ENCODER_GEOMETRY_ROUNDS_WIDTH),
            kRounds);
  for (const auto& [off, val] : register_writes(standard_config())) EXPECT_EQ(b.axil.read_ok(off), val) << off;
  EXPECT_TRUE(b.rtl_counters() == SyncEncoderCounters{});
}

TEST(SyncEncoderCosim, DirectedFrames) {
  SyncEncoderConfig c = standard_config();
  Bench b(2, c);
  std::mt19937_64 rng(7);
  // One record alone; a full frame and one more; destination changes; IPv6; deletes.
  b.push(random_record(rng, c, 0));
  ASSERT_TRUE(b.drain());
  for (int i = 0; i < 61; ++i) {
    SyncRecord r = random_record(rng, c, 1);
    r.ipv6 = false;
    r.op = Op::kUpdate;
    for (unsigned j = 4; j < 16; ++j) r.a_addr[j] = r.b_addr[j] = 0;
    b.push(r);
  }
  for (int i = 0; i < 40; ++i) b.push(random_record(rng, c, i % 3));
  // A connection that opens and closes inside the delay window costs nothing.
  SyncRecord s = random_record(rng, c, 0);
  s.created = s.now;
  s.op = Op::kNew;
  b.push(s);
  s.op = Op::kDelete;
  s.now += 100;
  b.push(s);
  // Invalid op, unknown destination.
  SyncRecord bad = random_record(rng, c, 0);
  bad.op = Op::kInvalid;
  b.push(bad);
  bad = random_record(rng, c, 0);
  bad.dest = sync::member_byte(33, 1);
  b.push(bad);
  ASSERT_TRUE(b.drain());
  expect_clean(b, "directed");
  const auto cnt = b.model->counters();
  EXPECT_EQ(cnt.young, 2u);
  EXPECT_EQ(cnt.young_bytes, record_bytes(Op::kNew, s.ipv6) + record_bytes(Op::kDelete, s.ipv6));
  EXPECT_EQ(cnt.invalid, 1u);
  EXPECT_EQ(cnt.no_route, 1u);
  EXPECT_GE(cnt.close_full, 1u);
  EXPECT_GE(cnt.close_dest, 10u);
  // A new epoch and a sequence clear: the next frame of slot 0 is sequence 1 of the new epoch, which
  // the receiver accepts (the same sequence in the old epoch would be a replay).
  c.epoch += 1;
  b.program(c);
  b.axil.write_ok(regs::SYNC_ENCODER_COUNTER_CLEAR_OFFSET, 3);
  b.model->clear_counters();
  b.model->clear_sequences();
  b.frames_decoded = 0;
  EXPECT_TRUE(b.rtl_counters() == SyncEncoderCounters{});
  b.push(random_record(rng, c, 0));
  ASSERT_TRUE(b.drain());
  expect_clean(b, "after clear");
  EXPECT_EQ(b.rtl_counters().seq[0], 1u);
}

// The bench can fail: a model told a different TTL or key than the RTL holds sees every frame differ
// (the beat compare), and a receiver with another key rejects every RTL frame (the decode check).
TEST(SyncEncoderCosim, BenchDetectsADifferentModel) {
  SyncEncoderConfig c = standard_config();
  Bench b(4, c);
  SyncEncoderConfig wrong = c;
  wrong.ttl = 63;
  b.model->configure(wrong);
  std::mt19937_64 rng(4);
  for (int i = 0; i < 5; ++i) b.push(random_record(rng, c, 0));
  ASSERT_TRUE(b.drain());
  EXPECT_GE(b.beats.mismatches(), 1u);
  EXPECT_EQ(b.decode_failures, 0u);

  SyncEncoderConfig other_key = c;
  other_key.key[0] ^= 1;
  Bench k(5, c);         // its receivers hold c's key
  k.program(other_key);  // RTL and model sign with another
  k.push(random_record(rng, c, 0));
  ASSERT_TRUE(k.drain());
  EXPECT_TRUE(k.beats.clean());
  EXPECT_EQ(k.frames_decoded, 0u);
  EXPECT_EQ(k.decode_failures, 1u);
}

struct RandomCase {
  uint64_t seed;
  unsigned mtu;
  uint32_t flush;
  int idle;
  int ready;
  int records;
};

class SyncEncoderRandom : public ::testing::TestWithParam<RandomCase> {};

void run_random_case(const RandomCase& rc);

TEST_P(SyncEncoderRandom, EveryBeatMatches) { run_random_case(GetParam()); }

// Soak: SYNC_ENCODER_SOAK=<n> runs n more random cases with random parameters (not in CTest).
TEST(SyncEncoderSoak, RandomCases) {
  const char* env = std::getenv("SYNC_ENCODER_SOAK");
  if (!env) GTEST_SKIP() << "set SYNC_ENCODER_SOAK=<cases> to run";
  std::mt19937_64 g(12345);
  const int n = std::atoi(env);
  for (int i = 0; i < n && !HasFailure(); ++i) {
    const unsigned mtus[] = {128, 200, 576, 1280, 1500, 4000, 9000};
    RandomCase rc{1000u + static_cast<uint64_t>(i),      mtus[g() % 7],
                  static_cast<uint32_t>(1 + g() % 3000), static_cast<int>(g() % 80),
                  static_cast<int>(20 + g() % 81),       3000};
    run_random_case(rc);
  }
}

void run_random_case(const RandomCase& rc) {
  SyncEncoderConfig c = standard_config();
  c.mtu = rc.mtu;
  c.flush_cycles = rc.flush;
  c.dest[3].valid = rc.seed % 2;
  Bench b(rc.seed, c, rc.idle, rc.ready);
  std::mt19937_64 rng(rc.seed);
  unsigned slot = 0;
  for (int i = 0; i < rc.records; ++i) {
    // Runs of one destination, so frames batch.
    if (rng() % 8 == 0) slot = rng() % kDestSlots;
    SyncRecord r = random_record(rng, c, slot);
    const unsigned kind = rng() % 100;
    if (kind < 10)
      r.created = r.now - static_cast<uint32_t>(rng() % 3000);  // young (default class)
    else if (kind < 12)
      r.op = Op::kInvalid;
    else if (kind < 14)
      r.dest = sync::member_byte(50, 1);
    b.push(r);
    if (rng() % 200 == 0) {  // sometimes let the timer close the frame
      ASSERT_TRUE(b.drain());
    }
  }
  ASSERT_TRUE(b.drain());
  char what[96];
  std::snprintf(what, sizeof what, "seed %llu mtu %u flush %u idle %d%% ready %d%%",
                static_cast<unsigned long long>(rc.seed), rc.mtu, rc.flush, rc.idle, rc.ready);
  expect_clean(b, what);
}

INSTANTIATE_TEST_SUITE_P(
    Mixes, SyncEncoderRandom,
    ::testing::Values(RandomCase{11, 1500, 400, 0, 100, 15000}, RandomCase{12, 1500, 300, 30, 70, 10000},
                      RandomCase{13, 128, 1, 50, 40, 4000}, RandomCase{14, 9000, 2000, 10, 90, 12000},
                      RandomCase{15, 576, 37, 70, 100, 8000}, RandomCase{16, 3000, 5000, 0, 30, 10000},
                      RandomCase{17, 1280, 64, 20, 50, 10000}));

// Input II = 1 while a frame fills; output II = 1 within a frame; the latency of a lone record is
// FLUSH_CYCLES + MAC + fixed clocks; the sustained rate is one frame per MAC time.
TEST(SyncEncoderCosim, InitiationIntervalLatencyAndRate) {
  SyncEncoderConfig c = standard_config();
  c.flush_cycles = 1000;
  Bench b(3, c);
  std::mt19937_64 rng(3);
  auto v4_update = [&] {
    SyncRecord r = random_record(rng, c, 0);
    r.ipv6 = false;
    r.op = Op::kUpdate;
    for (unsigned j = 4; j < 16; ++j) r.a_addr[j] = r.b_addr[j] = 0;
    return r;
  };
  // Lone record: latency from its handshake to the frame's first beat.
  b.push(v4_update());
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(b.first_beat_cycles.size(), 1u);
  const uint64_t latency = b.first_beat_cycles[0] - b.accept_cycles[0];
  const uint64_t fixed = latency - c.flush_cycles - mac_clocks(24);
  std::printf("%u SipRound(s) per clock\n", kRounds);
  std::printf("lone IPv4 record: %llu clocks from handshake to first beat = FLUSH_CYCLES %u + MAC %u + %llu\n",
              static_cast<unsigned long long>(latency), c.flush_cycles, mac_clocks(24),
              static_cast<unsigned long long>(fixed));
  EXPECT_EQ(fixed, 9u);

  // A burst of 60 IPv4 updates (one 1500-byte frame) into an idle encoder: one per clock.
  b.accept_cycles.clear();
  for (int i = 0; i < 60; ++i) b.push(v4_update());
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(b.accept_cycles.size(), 60u);
  EXPECT_EQ(b.accept_cycles.back() - b.accept_cycles.front(), 59u) << "input II is not 1";

  // Sustained: 3000 IPv4 updates back to back, sink always ready.
  b.accept_cycles.clear();
  b.beat_cycles.clear();
  b.first_beat_cycles.clear();
  const int n = 3000;
  for (int i = 0; i < n; ++i) b.push(v4_update());
  ASSERT_TRUE(b.drain());
  const double span = static_cast<double>(b.accept_cycles.back() - b.accept_cycles.front());
  const double rate = (n - 1) / span;
  // Steady state: a frame of 60 records leaves every MAC time + the clocks around it.
  std::vector<uint64_t> gaps;
  for (size_t i = 1; i < b.first_beat_cycles.size(); ++i)
    gaps.push_back(b.first_beat_cycles[i] - b.first_beat_cycles[i - 1]);
  ASSERT_GE(gaps.size(), 10u);
  const uint64_t steady = gaps[gaps.size() / 2];
  std::printf(
      "sustained: %d IPv4 updates in %.0f clocks = %.4f records/clock; a 60-record frame every %llu clocks "
      "(MAC %u + %llu)\n",
      n, span, rate, static_cast<unsigned long long>(steady), mac_clocks(1440),
      static_cast<unsigned long long>(steady - mac_clocks(1440)));
  EXPECT_EQ(steady, mac_clocks(1440) + 4u);
  // Output II = 1 within a frame.
  uint64_t stalls = 0;
  size_t beat = 0;
  for (size_t f = 0; f < b.first_beat_cycles.size(); ++f) {
    const uint64_t start = b.first_beat_cycles[f];
    while (beat < b.beat_cycles.size() && b.beat_cycles[beat] < start) ++beat;
    for (size_t k = 1; k < 24 && beat + k < b.beat_cycles.size(); ++k)
      if (b.beat_cycles[beat + k] != start + k) ++stalls;
  }
  EXPECT_EQ(stalls, 0u) << "output II is not 1 within a frame";
  expect_clean(b, "rates");
}

}  // namespace
}  // namespace conductor::sync_encoder
