// Co-simulation of rtl/sync_decoder against the golden model SyncDecoderModel (hls/sync_decoder):
// directed frames (each reject reason, NOT_SYNC, each record type, IPv4 and IPv6 keys, broadcast,
// key slots, the replay window's edges, a new epoch), frames of host/sync's encode_udp_packet and
// of the sync_encoder model, random valid frames and random mutations of them (byte flips, cuts,
// extensions), with random idle on the frame stream, random back-pressure on m_op and random
// initial register contents. Every FLOW_OP word is compared bit for bit and the counters at the
// end; a valid frame sent again after a rejected mutation of it must still be accepted (a rejected
// frame changed no replay state). Also asserts the II and the latency, and prints them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "hls/sync_encoder/sync_encoder_model.hpp"
#include "sync_decoder_bench.hpp"
#include "tests/sync_encoder/sync_encoder_testing.hpp"

namespace conductor::sync_decoder {
namespace {

using sim_bench::Bench;
using namespace testing;

// The Verilated build's SipRounds per clock (-GRoundsPerClock; a second build checks 2).
#ifndef SYNC_DECODER_ROUNDS
#define SYNC_DECODER_ROUNDS 1
#endif
constexpr unsigned kRounds = SYNC_DECODER_ROUNDS;

// SipHash rounds of a frame with R record bytes: 2 per message word (+ the last), 4 to finalise.
unsigned mac_clocks(unsigned records_bytes) { return (2 * ((20 + records_bytes) / 8 + 1) + 4) / kRounds; }

void expect_clean(Bench& b, const char* what) {
  std::printf("%s: %s; %zu frames\n", what, b.ops.summary().c_str(), b.verdicts.size());
  EXPECT_TRUE(b.ops.clean()) << what;
  const SyncDecoderCounters rtl = b.rtl_counters();
  const SyncDecoderCounters& m = b.model->counters();
  EXPECT_TRUE(rtl == m) << what << ": counters differ: rtl frames " << rtl.frames << " ops " << rtl.ops << " records "
                        << rtl.records << " control " << rtl.control << " skipped " << rtl.skipped << " not_sync "
                        << rtl.not_sync << "; model frames " << m.frames << " ops " << m.ops << " records " << m.records
                        << " control " << m.control << " skipped " << m.skipped << " not_sync " << m.not_sync;
  for (unsigned i = 0; i < kRejects; ++i) EXPECT_EQ(rtl.rejects[i], m.rejects[i]) << what << ": reject " << i;
}

std::vector<sync::Record> some_records(std::mt19937_64& rng, unsigned n) {
  std::vector<sync::Record> r;
  for (unsigned i = 0; i < n; ++i) r.push_back(random_record(rng));
  return r;
}

sync::Record v4_update(std::mt19937_64& rng) {
  return sync::update_record(sync::key_v4(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()),
                                          static_cast<uint16_t>(rng()), static_cast<uint16_t>(rng()), 6),
                             rng());
}

TEST(SyncDecoderCosim, RegistersAndGeometry) {
  Bench b(1, standard_config());
  const uint32_t g = b.axil.read_ok(regs::SYNC_DECODER_GEOMETRY_OFFSET);
  EXPECT_EQ(g & regs::SYNC_DECODER_GEOMETRY_MAX_MTU_MASK, kRtlMaxMtu);
  EXPECT_EQ(regs::field_get(g, regs::SYNC_DECODER_GEOMETRY_ROUNDS_LSB, regs::SYNC_DECODER_GEOMETRY_ROUNDS_WIDTH),
            kRounds);
  for (const auto& [off, val] : register_writes(standard_config())) EXPECT_EQ(b.axil.read_ok(off), val) << off;
  EXPECT_TRUE(b.rtl_counters() == SyncDecoderCounters{});
}

TEST(SyncDecoderCosim, EveryRecordTypeAndRejectReason) {
  SyncDecoderConfig c = standard_config();
  Bench b(2, c, 20, 60);
  std::mt19937_64 rng(2);
  std::array<uint8_t, 16> a6{}, b6{};
  for (unsigned i = 0; i < 16; ++i) a6[i] = static_cast<uint8_t>(0x20 + i), b6[i] = static_cast<uint8_t>(0x40 + i);
  const auto k4 = sync::key_v4(0xC6120001, 0xC6120002, 1234, 443, 6, 7);
  const auto k6 = sync::key_v6(a6, b6, 53, 5353, 17, 9);
  std::vector<sync::Record> all = {
      sync::new_record(k4, rng()), sync::update_record(k4, rng()), sync::delete_record(k4),
      sync::new_record(k6, rng()), sync::update_record(k6, rng()), sync::delete_record(k6),
      sync::full_sync_begin(1, 2), sync::full_sync_end(1, 2),      sync::ack_record(5, 1, 4),
      sync::nack_record(5, 2, 3),  sync::heartbeat_record(9)};
  sync::Record unknown;
  unknown.type = static_cast<sync::RecordType>(0x55);
  unknown.extension = {1, 2, 3};
  all.push_back(unknown);
  all[1].extension = {0xEE, 0xEE};  // a later minor's field: read past
  b.push(udp_frame(header(kPeer, kSelf, 7, 1), all, slot_key(0)));
  b.push(udp_frame(header(kRemotePeer, sync::kBroadcast, 7, 1, 2), all, slot_key(2)));  // slot 2, broadcast
  auto good = [&](uint32_t seq) { return payload(udp_frame(header(kPeer, kSelf, 7, seq), all, slot_key(0))); };
  auto push = [&](std::vector<uint8_t> p, bool sign) {
    if (sign) resign(p, slot_key(p.size() > 3 ? p[3] >> 6 : 0));
    b.push(wrap(p));
  };
  push(std::vector<uint8_t>(27, 0), false);  // truncated
  auto f = good(2);
  f[0] = 0x49;
  push(f, false);  // bad magic
  f = good(2);
  f[2] = 0x20;
  push(f, false);  // bad version
  f = good(2);
  f.push_back(0);
  push(f, false);  // length mismatch
  f = good(2);
  f[5] ^= 1;
  push(f, true);  // unknown cluster
  f = good(2);
  f[6] = sync::member_byte(5, 0);
  push(f, true);  // unknown member
  f[6] = kSelf;
  push(f, true);  // ourselves
  f = good(2);
  f[7] = kRemotePeer;
  push(f, true);  // wrong destination
  f = good(2);
  f[3] = 3 << 6;
  push(f, false);  // unknown key (slot 3 empty)
  f = good(2);
  f[30] ^= 0x10;
  push(f, false);                                                                  // bad tag
  push(good(1), false);                                                            // replayed
  push(payload(udp_frame(header(kPeer, kSelf, 6, 50), all, slot_key(0))), false);  // old epoch
  f = good(2);
  f[21] = 1;
  push(f, true);  // bad record length
  f = good(2);
  f[20] = 0x85;
  push(f, true);  // unknown record type
  f = good(2);
  f[17] += 1;
  push(f, true);  // record count mismatch
  // Not sync: IPv6 ethertype, TCP, another port, a short frame, an empty one, one past the buffer.
  auto n = udp_frame(header(kPeer, kSelf, 7, 2), all, slot_key(0));
  auto m = n;
  m[12] = 0x86;
  b.push(m);
  m = n;
  m[23] = 6;
  b.push(m);
  m = n;
  m[37] ^= 1;
  b.push(m);
  b.push(std::vector<uint8_t>(n.begin(), n.begin() + 30));
  b.push(std::vector<uint8_t>(14 + kRtlMaxMtu + 100, 0x45));
  // Nothing changed the window: sequence 2 is new, then the epoch moves on.
  b.push(n);
  b.push(udp_frame(header(kPeer, kSelf, 8, 1), all, slot_key(0)));
  ASSERT_TRUE(b.drain());
  expect_clean(b, "directed");
  const auto& cnt = b.model->counters();
  EXPECT_EQ(cnt.frames, 4u);
  for (unsigned r = 0; r < kRejects; ++r) EXPECT_GE(cnt.rejects[r], 1u) << "reason " << r;
  EXPECT_EQ(cnt.not_sync, 5u);
  EXPECT_EQ(cnt.ops, 24u);
  EXPECT_EQ(cnt.control, 20u);
  EXPECT_EQ(cnt.skipped, 4u);
}

TEST(SyncDecoderCosim, ReplayWindowEdges) {
  Bench b(3, standard_config());
  std::mt19937_64 rng(3);
  const auto recs = some_records(rng, 3);
  auto fr = [&](uint8_t dst, uint32_t epoch, uint32_t seq) {
    b.push(udp_frame(header(kPeer, dst, epoch, seq), recs, slot_key(0)));
  };
  const std::vector<Reject> want = {Reject::kNone, Reject::kNone,     Reject::kReplayed, Reject::kReplayed,
                                    Reject::kNone, Reject::kNone,     Reject::kReplayed, Reject::kNone,
                                    Reject::kNone, Reject::kOldEpoch, Reject::kNone,     Reject::kReplayed};
  fr(kSelf, 10, 100);
  fr(kSelf, 10, 37);  // highest - 63
  fr(kSelf, 10, 36);  // highest - 64
  fr(kSelf, 10, 37);  // seen
  fr(kSelf, 10, 99);
  fr(kSelf, 10, 164);  // slides by 64
  fr(kSelf, 10, 100);
  fr(kSelf, 10, 101);
  fr(sync::kBroadcast, 10, 100);  // its own window
  fr(kSelf, 9, 1000);
  fr(kSelf, 11, 1);  // a new epoch
  fr(kSelf, 11, 1);
  ASSERT_TRUE(b.drain());
  EXPECT_EQ(b.verdicts, want);
  expect_clean(b, "replay window");
  // COUNTER_CLEAR.REPLAY: the same frame is new again.
  b.axil.write_ok(regs::SYNC_DECODER_COUNTER_CLEAR_OFFSET, 3);
  b.model->clear_counters();
  b.model->clear_replay();
  EXPECT_TRUE(b.rtl_counters() == SyncDecoderCounters{});
  fr(kSelf, 11, 1);
  ASSERT_TRUE(b.drain());
  EXPECT_EQ(b.verdicts.back(), Reject::kNone);
  expect_clean(b, "after clear");
}

// The sync_encoder model's frames (the kernel that sends them) into the RTL decoder.
TEST(SyncDecoderCosim, FramesOfTheSyncEncoder) {
  using namespace sync_encoder;
  SyncEncoderConfig e = sync_encoder::testing::standard_config();
  auto enc = std::make_unique<SyncEncoderModel>();
  enc->configure(e);
  SyncDecoderConfig c = standard_config();
  c.self = e.dest[0].member;
  c.add_member(e.source);
  c.keys[e.key_number] = {true, e.key};
  Bench b(4, c, 10, 80);
  std::mt19937_64 rng(4);
  unsigned sent = 0;
  for (int i = 0; i < 1500; ++i) {
    enc->accept(sync_encoder::testing::random_record(rng, e, rng() % 3 == 0 ? 2 : 0), static_cast<uint64_t>(i));
    ++sent;
    for (; enc->frame_ready(); enc->pop_frame())
      b.push(std::vector<uint8_t>(enc->frame(), enc->frame() + enc->frame_len()));
  }
  enc->flush_now();
  for (; enc->frame_ready(); enc->pop_frame())
    b.push(std::vector<uint8_t>(enc->frame(), enc->frame() + enc->frame_len()));
  ASSERT_TRUE(b.drain());
  expect_clean(b, "sync_encoder frames");
  EXPECT_EQ(b.model->counters().ops, sent);
  EXPECT_EQ(b.model->counters().frames, enc->counters().frames);
}

// The bench can fail: a model holding another key in slot 0 rejects what the RTL accepts (ops the
// scoreboard never expected), and one that skips the replay check emits ops the RTL does not.
TEST(SyncDecoderCosim, BenchDetectsADifferentModel) {
  SyncDecoderConfig c = standard_config();
  Bench b(6, c);
  SyncDecoderConfig wrong = c;
  wrong.keys[0].key[0] ^= 1;
  b.model->configure(wrong);
  std::mt19937_64 rng(6);
  b.push(udp_frame(header(kPeer, kSelf, 1, 1), {v4_update(rng)}, slot_key(0)));
  ASSERT_TRUE(b.drain());
  EXPECT_EQ(b.verdicts.back(), Reject::kBadTag);
  EXPECT_GE(b.ops.mismatches(), 1u);
  EXPECT_FALSE(b.rtl_counters() == b.model->counters());

  Bench r(7, c);
  const auto f = udp_frame(header(kPeer, kSelf, 1, 1), {v4_update(rng)}, slot_key(0));
  r.push(f);
  ASSERT_TRUE(r.drain());
  r.model->clear_replay();  // the model forgets; the RTL does not
  r.push(f);
  ASSERT_TRUE(r.drain(20000));
  EXPECT_EQ(r.ops.outstanding(), 1u);
  std::printf("the bench ran %llu clocks\n", static_cast<unsigned long long>(r.sim.cycle()));
}

struct RandomCase {
  uint64_t seed;
  int idle;
  int ready;
  int frames;
};

class SyncDecoderRandom : public ::testing::TestWithParam<RandomCase> {};

void run_random_case(const RandomCase& rc) {
  Bench b(rc.seed, standard_config(), rc.idle, rc.ready);
  std::mt19937_64 rng(rc.seed);
  std::array<uint32_t, 4> seq{};
  unsigned resent = 0;
  for (int i = 0; i < rc.frames; ++i) {
    const unsigned who = rng() % 4;
    const uint8_t src = who & 1 ? kRemotePeer : kPeer;
    const uint8_t dst = who & 2 ? sync::kBroadcast : kSelf;
    const unsigned slot = rng() % 2 ? 2 : 0;
    auto h = header(src, dst, 3, ++seq[who] + static_cast<uint32_t>(rng() % 3), static_cast<uint8_t>(slot));
    h.flags = static_cast<uint8_t>(rng() % 8);
    const auto frame =
        udp_frame(h, some_records(rng, static_cast<unsigned>(rng() % (rng() % 8 ? 20 : 300))), slot_key(slot));
    if (frame.empty()) continue;  // too long for one datagram
    if (rng() % 3 == 0) {
      b.push(wrap(mutate(payload(frame), rng)));
      b.push(frame);  // still accepted unless a re-signed mutation moved its window ahead
      ++resent;
    } else {
      b.push(frame);
    }
  }
  ASSERT_TRUE(b.drain());
  char what[96];
  std::snprintf(what, sizeof what, "seed %llu idle %d%% ready %d%%", static_cast<unsigned long long>(rc.seed), rc.idle,
                rc.ready);
  expect_clean(b, what);
  unsigned accepted = 0;
  for (Reject r : b.verdicts) accepted += r == Reject::kNone;
  EXPECT_GT(accepted, static_cast<unsigned>(rc.frames) / 3) << what;
  EXPECT_GT(b.model->counters().ops, 0u);
}

TEST_P(SyncDecoderRandom, EveryOpMatches) { run_random_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Mixes, SyncDecoderRandom,
                         ::testing::Values(RandomCase{11, 0, 100, 600}, RandomCase{12, 30, 70, 500},
                                           RandomCase{13, 60, 20, 400}, RandomCase{14, 5, 95, 600}));

// Soak: SYNC_DECODER_SOAK=<n> runs n more random cases with random idle and back-pressure (not in CTest).
TEST(SyncDecoderSoak, RandomCases) {
  const char* env = std::getenv("SYNC_DECODER_SOAK");
  if (!env) GTEST_SKIP() << "set SYNC_DECODER_SOAK=<cases> to run";
  std::mt19937_64 g(54321);
  const int n = std::atoi(env);
  for (int i = 0; i < n && !HasFailure(); ++i)
    run_random_case(
        {1000u + static_cast<uint64_t>(i), static_cast<int>(g() % 80), static_cast<int>(20 + g() % 81), 400});
}

// The figures: input II (one beat per clock while a frame arrives), the latency from a frame's last
// beat to its first op, and the frame period back to back.
TEST(SyncDecoderCosim, InitiationIntervalAndLatency) {
  Bench b(5, standard_config());
  std::mt19937_64 rng(5);
  std::vector<sync::Record> one = {v4_update(rng)};
  std::vector<sync::Record> sixty;
  for (int i = 0; i < 60; ++i) sixty.push_back(v4_update(rng));
  b.push(udp_frame(header(kPeer, kSelf, 1, 1), one, slot_key(0)));
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(b.op_cycles.size(), 1u);
  const uint64_t lat1 = b.op_cycles[0] - b.last_beat_cycles[0];
  b.op_cycles.clear();
  b.push(udp_frame(header(kPeer, kSelf, 1, 2), sixty, slot_key(0)));
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(b.op_cycles.size(), 60u);
  const uint64_t lat60 = b.op_cycles[0] - b.last_beat_cycles[1];
  const uint64_t beats60 = b.last_beat_cycles[1] - b.first_beat_cycles[1] + 1;
  const uint64_t ops60 = b.op_cycles.back() - b.op_cycles.front() + 1;
  // Back to back: 20 frames of 60 IPv4 updates.
  const size_t f0 = b.first_beat_cycles.size();
  for (uint32_t s = 3; s < 23; ++s) b.push(udp_frame(header(kPeer, kSelf, 1, s), sixty, slot_key(0)));
  ASSERT_TRUE(b.drain());
  const uint64_t period = b.first_beat_cycles.back() - b.first_beat_cycles[b.first_beat_cycles.size() - 2];
  const uint64_t span = b.first_beat_cycles.back() - b.first_beat_cycles[f0];
  std::printf("one IPv4 record: last beat to first op %llu clocks\n", static_cast<unsigned long long>(lat1));
  std::printf(
      "60 IPv4 records (1500-byte frame, %llu beats in %llu clocks): last beat to first op %llu clocks, "
      "60 ops in %llu clocks; back to back a frame every %llu clocks (%.4f records/clock)\n",
      static_cast<unsigned long long>((1514 + 63) / 64), static_cast<unsigned long long>(beats60),
      static_cast<unsigned long long>(lat60), static_cast<unsigned long long>(ops60),
      static_cast<unsigned long long>(period), 60.0 * 19 / static_cast<double>(span));
  EXPECT_EQ(beats60, 24u) << "input II is not 1 beat per clock within a frame";
  // Last beat to first op: 12 + the SipHash rounds + walk 0, the 12 being 4 (length, checks), 2 (MAC
  // loads), 1 (tag compare), 1 (verdict), 1 (commit), 2 (walk 1's first record), 1 (op FIFO).
  // Walk 0 takes 3 clocks per record (extract, check, step) + 2 per beat crossed + 3 to load + 1.
  std::printf(
      "%u SipRound(s) per clock: latency = 12 + MAC + walk 0 = 12 + %u + 7 (R = 24), 12 + %u + 233 (R = 1440)\n",
      kRounds, mac_clocks(24), mac_clocks(1440));
  EXPECT_EQ(lat1, 12 + mac_clocks(24) + 7);                   // 35 at one round per clock
  EXPECT_EQ(lat60, 12 + mac_clocks(1440) + 233);              // 615
  EXPECT_EQ(ops60, 165u);                                     // walk 1: 60 records, 23 beat crossings
  EXPECT_EQ(period, 24 + 12 + mac_clocks(1440) + 233 + 164);  // 803: 0.075 IPv4 updates per clock
  expect_clean(b, "figures");
}

}  // namespace
}  // namespace conductor::sync_decoder
