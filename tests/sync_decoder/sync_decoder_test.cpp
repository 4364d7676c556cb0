// The sync_decoder golden model (hls/sync_decoder) against the host codec (host/sync decode_frame):
// the same frames give the same verdict (§8 reason), the same replay windows, and an op per flow
// record with the decoded key and value; directed cases for every reason, the encapsulation checks
// (NOT_SYNC), each record type, the replay window's edges and epochs; random valid frames and random
// mutations of them; a rejected frame changes nothing.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "hls/sync_encoder/sync_encoder_model.hpp"
#include "sync_decoder_testing.hpp"
#include "tests/sync_encoder/sync_encoder_testing.hpp"

namespace conductor::sync_decoder {
namespace {

using namespace testing;

// The model and the host codec side by side, fed the same frames.
class Pair {
 public:
  explicit Pair(const SyncDecoderConfig& c = standard_config())
      : model_(std::make_unique<SyncDecoderModel>()), keys_(key_ring(c)), members_(membership(c)) {
    model_->configure(c);
  }

  // Feeds the model the frame and the codec its payload; checks they agree; returns the verdict.
  Reject feed(const std::vector<uint8_t>& frame) {
    const Reject got = model_->receive(frame.data(), static_cast<unsigned>(frame.size()));
    std::vector<OpWord> ops;
    while (model_->op_ready()) {
      ops.push_back(model_->op());
      model_->pop_op();
    }
    if (got == Reject::kNotSync) {
      EXPECT_TRUE(ops.empty());
      return got;
    }
    const auto p = payload(frame);
    auto d = sync::decode_frame(p, keys_, replay_, members_);
    const Reject want = d ? Reject::kNone : from_host(d.error().reason);
    EXPECT_EQ(static_cast<int>(got), static_cast<int>(want)) << (d ? "" : d.error().message);
    if (!d) {
      EXPECT_TRUE(ops.empty());
      return got;
    }
    ++host_frames;
    const bool bcast = d->header.destination == sync::kBroadcast;
    const bool fs = d->header.flags & sync::kFlagFullSync;
    size_t k = 0;
    for (const auto& r : d->records) {
      if (!sync::is_flow_record(r.type)) continue;
      EXPECT_LT(k, ops.size());
      if (k < ops.size()) EXPECT_TRUE(ops[k] == expected_op(r, d->header.source, fs, bcast)) << "op " << k;
      ++k;
    }
    EXPECT_EQ(k, ops.size());
    host_records += d->records.size();
    host_skipped += d->skipped_records;
    // The same windows.
    const auto& hw = replay_.window(d->header.source, bcast);
    const auto& mw = model_->window(d->header.source, bcast);
    EXPECT_EQ(hw.valid, mw.valid);
    EXPECT_EQ(hw.epoch, mw.epoch);
    EXPECT_EQ(hw.highest, mw.highest);
    EXPECT_EQ(hw.seen, mw.seen);
    return got;
  }

  SyncDecoderModel& model() { return *model_; }
  uint64_t host_frames = 0, host_records = 0, host_skipped = 0;

 private:
  std::unique_ptr<SyncDecoderModel> model_;
  sync::KeyRing keys_;
  sync::Membership members_;
  sync::ReplayState replay_;
};

std::vector<sync::Record> some_records(std::mt19937_64& rng, unsigned n) {
  std::vector<sync::Record> r;
  for (unsigned i = 0; i < n; ++i) r.push_back(random_record(rng));
  return r;
}

TEST(SyncDecoderModelTest, EveryRecordTypeV4AndV6) {
  Pair p;
  std::mt19937_64 rng(1);
  std::array<uint8_t, 16> a6{}, b6{};
  for (unsigned i = 0; i < 16; ++i) a6[i] = static_cast<uint8_t>(0x20 + i), b6[i] = static_cast<uint8_t>(0x40 + i);
  const auto k4 = sync::key_v4(0xC6120001, 0xC6120002, 1234, 443, 6, 7);
  const auto k6 = sync::key_v6(a6, b6, 53, 5353, 17, 9);
  std::vector<sync::Record> recs = {sync::new_record(k4, 0x1111222233334444ULL),
                                    sync::update_record(k4, 0x5555666677778888ULL),
                                    sync::delete_record(k4),
                                    sync::new_record(k6, 0x99990000AAAABBBBULL),
                                    sync::update_record(k6, 0xCCCCDDDDEEEEFFFFULL),
                                    sync::delete_record(k6),
                                    sync::full_sync_begin(1, 2),
                                    sync::full_sync_end(1, 2),
                                    sync::ack_record(5, 1, 4),
                                    sync::nack_record(5, 2, 3),
                                    sync::heartbeat_record(9)};
  sync::Record unknown;
  unknown.type = static_cast<sync::RecordType>(0x55);
  unknown.extension = {1, 2, 3};
  recs.push_back(unknown);
  EXPECT_EQ(p.feed(udp_frame(header(kPeer, kSelf, 1, 1), recs, slot_key(0))), Reject::kNone);
  const auto& c = p.model().counters();
  EXPECT_EQ(c.frames, 1u);
  EXPECT_EQ(c.ops, 6u);
  EXPECT_EQ(c.records, 11u);
  EXPECT_EQ(c.control, 5u);
  EXPECT_EQ(c.skipped, 1u);
  // The op layout the flow table reads: UPSERT / DELETE, FLOW_KEY with IP_VALID, TIME = LAST_SEEN.
  auto again = udp_frame(header(kPeer, sync::kBroadcast, 1, 2, 2), {recs[0], recs[5]}, slot_key(2));
  SyncDecoderModel& m = p.model();
  EXPECT_EQ(p.feed(again), Reject::kNone);
  m.receive(again.data(), static_cast<unsigned>(again.size()));  // a replay: no ops
  EXPECT_FALSE(m.op_ready());
  Pair q;
  q.model().receive(again.data(), static_cast<unsigned>(again.size()));
  ASSERT_TRUE(q.model().op_ready());
  const OpWord op = q.model().op();
  using namespace regs;
  EXPECT_EQ(op.range(FLOW_OP_OPCODE_LSB + 3, FLOW_OP_OPCODE_LSB).to_uint64(),
            static_cast<uint64_t>(FlowOpOpcode::kUpsert));
  EXPECT_EQ(op.range(FLOW_KEY_SRC_ADDR_LSB + 31, FLOW_KEY_SRC_ADDR_LSB).to_uint64(), 0xC6120001u);
  EXPECT_EQ(op.range(FLOW_KEY_DST_ADDR_LSB + 31, FLOW_KEY_DST_ADDR_LSB).to_uint64(), 0xC6120002u);
  EXPECT_EQ(op.range(FLOW_KEY_SRC_PORT_LSB + 15, FLOW_KEY_SRC_PORT_LSB).to_uint64(), 1234u);
  EXPECT_EQ(op.range(FLOW_KEY_DST_PORT_LSB + 15, FLOW_KEY_DST_PORT_LSB).to_uint64(), 443u);
  EXPECT_EQ(op[FLOW_KEY_IP_VALID_LSB], 1);
  EXPECT_EQ(op[FLOW_KEY_IS_IPV6_LSB], 0);
  EXPECT_EQ(op.range(FLOW_OP_VALUE_LSB + 63, FLOW_OP_VALUE_LSB).to_uint64(), 0x1111222233334444ULL);
  EXPECT_EQ(op.range(FLOW_OP_TIME_LSB + 31, FLOW_OP_TIME_LSB).to_uint64(), 0x11112222u);
  EXPECT_EQ(op.range(FLOW_OP_TAG_LSB + 15, FLOW_OP_TAG_LSB).to_uint64(), kPeer | 1u << kTagBroadcastBit);
  q.model().pop_op();
  ASSERT_TRUE(q.model().op_ready());
  const OpWord del = q.model().op();
  EXPECT_EQ(del.range(FLOW_OP_OPCODE_LSB + 3, FLOW_OP_OPCODE_LSB).to_uint64(),
            static_cast<uint64_t>(FlowOpOpcode::kDelete));
  EXPECT_EQ(del[FLOW_KEY_IS_IPV6_LSB], 1);
  EXPECT_EQ(del.range(FLOW_KEY_SRC_ADDR_LSB + 127, FLOW_KEY_SRC_ADDR_LSB + 120).to_uint64(), 0x20u);
  EXPECT_EQ(del.range(FLOW_OP_VALUE_LSB + 63, FLOW_OP_VALUE_LSB).to_uint64(), 0u);
}

TEST(SyncDecoderModelTest, EveryRejectReasonInOrder) {
  Pair p;
  std::mt19937_64 rng(2);
  const auto recs = some_records(rng, 5);
  auto good = [&](uint32_t seq) { return payload(udp_frame(header(kPeer, kSelf, 7, seq), recs, slot_key(0))); };
  auto expect = [&](std::vector<uint8_t> pl, Reject r, bool sign = false) {
    if (sign) resign(pl, slot_key(pl.size() > 3 ? pl[3] >> 6 : 0));
    EXPECT_EQ(static_cast<int>(p.feed(wrap(pl))), static_cast<int>(r));
  };
  expect(std::vector<uint8_t>(27, 0), Reject::kTruncated);
  auto f = good(1);
  f[0] = 0x49;
  expect(f, Reject::kBadMagic);
  f = good(1);
  f[2] = 0x20;
  expect(f, Reject::kBadVersion);
  f = good(1);
  f.push_back(0);
  expect(f, Reject::kLengthMismatch);
  f = good(1);
  f[5] ^= 1;
  expect(f, Reject::kUnknownCluster, true);
  f = good(1);
  f[6] = sync::member_byte(5, 0);  // not a member
  expect(f, Reject::kUnknownMember, true);
  f[6] = kSelf;  // ourselves
  expect(f, Reject::kUnknownMember, true);
  f[6] = 0x83;  // bit 7
  expect(f, Reject::kUnknownMember, true);
  f = good(1);
  f[7] = kRemotePeer;
  expect(f, Reject::kWrongDestination, true);
  f = good(1);
  f[3] = 1 << 6;  // slot 1 is empty
  expect(f, Reject::kUnknownKey);
  f = good(1);
  f[f.size() - 1] ^= 0x80;
  expect(f, Reject::kBadTag);
  f = good(1);
  f[25] ^= 0x01;  // a record byte, not re-signed
  expect(f, Reject::kBadTag);
  EXPECT_EQ(p.feed(wrap(good(5))), Reject::kNone);
  expect(good(5), Reject::kReplayed);
  auto old = payload(udp_frame(header(kPeer, kSelf, 6, 9), recs, slot_key(0)));
  expect(old, Reject::kOldEpoch);
  f = good(6);
  f[21] = 1;  // the first record's length below 2
  expect(f, Reject::kBadRecordLength, true);
  f = good(6);
  f[21] = 250;  // past the end
  expect(f, Reject::kBadRecordLength, true);
  auto v4 =
      payload(udp_frame(header(kPeer, kSelf, 7, 6), {sync::delete_record(sync::key_v4(1, 2, 3, 4, 6))}, slot_key(0)));
  v4[20] = static_cast<uint8_t>(sync::RecordType::kNewV4);  // 16 bytes, the type needs 24
  expect(v4, Reject::kBadRecordLength, true);
  f = good(6);
  f[20] = 0x85;
  expect(f, Reject::kUnknownRecordType, true);
  f = good(6);
  f[17] += 1;
  expect(f, Reject::kRecordCountMismatch, true);
  // None of the rejects changed the window: sequence 6 is still new.
  EXPECT_EQ(p.feed(wrap(good(6))), Reject::kNone);
  const auto& c = p.model().counters();
  for (unsigned r = 0; r < kRejects; ++r) EXPECT_GE(c.rejects[r], 1u) << "reason " << r;
  EXPECT_EQ(c.frames, 2u);
}

TEST(SyncDecoderModelTest, NotSyncFrames) {
  Pair p;
  std::mt19937_64 rng(3);
  const auto frame = udp_frame(header(kPeer, kSelf, 1, 1), some_records(rng, 3), slot_key(0));
  auto nots = [&](std::vector<uint8_t> f) {
    EXPECT_EQ(static_cast<int>(p.feed(f)), static_cast<int>(Reject::kNotSync));
  };
  auto f = frame;
  f[12] = 0x86;  // IPv6 ethertype
  nots(f);
  f = frame;
  f[14] = 0x46;  // IP options
  nots(f);
  f = frame;
  f[20] |= 0x20;  // more fragments
  nots(f);
  f = frame;
  f[23] = 6;  // TCP
  nots(f);
  f = frame;
  f[37] ^= 1;  // another port
  nots(f);
  f = frame;
  f[39] ^= 4;  // UDP length
  nots(f);
  f = frame;
  f[17] += 1;  // IP length past the frame
  nots(f);
  nots(std::vector<uint8_t>(frame.begin(), frame.begin() + 41));
  nots(std::vector<uint8_t>(14 + kRtlMaxMtu + 1, 0));
  EXPECT_EQ(p.model().counters().not_sync, 9u);
  // Ethernet padding after the IP datagram is allowed.
  f = frame;
  f.resize(f.size() + 10, 0);
  EXPECT_EQ(p.feed(f), Reject::kNone);
}

TEST(SyncDecoderModelTest, ReplayWindowEdgesAndEpochs) {
  Pair p;
  std::mt19937_64 rng(4);
  const auto recs = some_records(rng, 2);
  auto fr = [&](uint8_t dst, uint32_t epoch, uint32_t seq, uint8_t src = kPeer) {
    return p.feed(udp_frame(header(src, dst, epoch, seq), recs, slot_key(0)));
  };
  EXPECT_EQ(fr(kSelf, 10, 100), Reject::kNone);
  EXPECT_EQ(fr(kSelf, 10, 37), Reject::kNone);      // highest - 63: inside the window
  EXPECT_EQ(fr(kSelf, 10, 36), Reject::kReplayed);  // highest - 64
  EXPECT_EQ(fr(kSelf, 10, 37), Reject::kReplayed);  // seen
  EXPECT_EQ(fr(kSelf, 10, 99), Reject::kNone);
  EXPECT_EQ(fr(kSelf, 10, 164), Reject::kNone);  // slides by 64: 100 falls out
  EXPECT_EQ(fr(kSelf, 10, 100), Reject::kReplayed);
  EXPECT_EQ(fr(kSelf, 10, 101), Reject::kNone);
  EXPECT_EQ(fr(sync::kBroadcast, 10, 100), Reject::kNone);     // the broadcast window is its own
  EXPECT_EQ(fr(kSelf, 100, 100, kRemotePeer), Reject::kNone);  // and every source's
  EXPECT_EQ(fr(kSelf, 9, 1000), Reject::kOldEpoch);
  EXPECT_EQ(fr(kSelf, 11, 1), Reject::kNone);  // a new epoch resets the window
  EXPECT_EQ(fr(kSelf, 11, 1), Reject::kReplayed);
  EXPECT_EQ(fr(kSelf, 10, 500), Reject::kOldEpoch);
  p.model().clear_replay();
  EXPECT_FALSE(p.model().window(kPeer, false).valid);
}

// Frames of the sync_encoder model (the kernel that sends them) decode to the records it was given.
TEST(SyncDecoderModelTest, FramesOfTheSyncEncoder) {
  using namespace sync_encoder;
  SyncEncoderConfig e = sync_encoder::testing::standard_config();
  auto enc = std::make_unique<SyncEncoderModel>();
  enc->configure(e);
  SyncDecoderConfig c = standard_config();
  c.self = e.dest[0].member;
  c.add_member(e.source);
  c.keys[e.key_number] = {true, e.key};
  auto dec = std::make_unique<SyncDecoderModel>();
  dec->configure(c);
  std::mt19937_64 rng(5);
  unsigned sent = 0, ops = 0;
  for (int i = 0; i < 700; ++i) {
    const unsigned slot = rng() % 3 == 0 ? 2 : 0;  // us, or broadcast
    enc->accept(sync_encoder::testing::random_record(rng, e, slot), static_cast<uint64_t>(i));
    ++sent;
    while (enc->frame_ready()) {
      EXPECT_EQ(dec->receive(enc->frame(), enc->frame_len()), Reject::kNone);
      enc->pop_frame();
      while (dec->op_ready()) ++ops, dec->pop_op();
    }
  }
  enc->flush_now();
  while (enc->frame_ready()) {
    EXPECT_EQ(dec->receive(enc->frame(), enc->frame_len()), Reject::kNone);
    enc->pop_frame();
    while (dec->op_ready()) ++ops, dec->pop_op();
  }
  EXPECT_EQ(ops, sent);
  EXPECT_EQ(dec->counters().frames, enc->counters().frames);
}

// Random valid frames and random mutations of them: the model and the codec always agree, and a
// valid frame sent again after a rejected mutation of it is still accepted.
TEST(SyncDecoderModelTest, RandomAndMutatedFramesAgreeWithTheCodec) {
  Pair p;
  std::mt19937_64 rng(6);
  std::array<uint32_t, 4> seq{};
  unsigned accepted = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    const unsigned who = rng() % 4;  // (peer | remote peer) x (us | broadcast)
    const uint8_t src = who & 1 ? kRemotePeer : kPeer;
    const uint8_t dst = who & 2 ? sync::kBroadcast : kSelf;
    const unsigned slot = rng() % 2 ? 2 : 0;
    auto h = header(src, dst, 3, ++seq[who] + static_cast<uint32_t>(rng() % 3), static_cast<uint8_t>(slot));
    h.flags = static_cast<uint8_t>(rng() % 8);
    const auto frame = udp_frame(h, some_records(rng, static_cast<unsigned>(rng() % 40)), slot_key(slot));
    if (rng() % 3 == 0) {
      const Reject r = p.feed(wrap(mutate(payload(frame), rng)));
      r == Reject::kNone ? ++accepted : ++rejected;
      if (r != Reject::kNone) {
        // No state changed: the valid frame is accepted (unless its sequence is now behind).
        const Reject again = p.feed(frame);
        if (again == Reject::kNone) ++accepted;
      }
    } else {
      // Accepted, unless a re-signed mutation moved this window's epoch or sequence ahead.
      const Reject r = p.feed(frame);
      EXPECT_TRUE(r == Reject::kNone || r == Reject::kOldEpoch || r == Reject::kReplayed) << static_cast<int>(r);
      r == Reject::kNone ? ++accepted : ++rejected;
    }
  }
  EXPECT_GT(accepted, 1000u);
  const auto& c = p.model().counters();
  EXPECT_EQ(c.frames, p.host_frames);
  EXPECT_EQ(c.records + c.skipped, p.host_records);
  EXPECT_EQ(c.skipped, p.host_skipped);
  EXPECT_GT(rejected, 300u);
  std::printf("%u accepted, %u rejected; %u ops\n", accepted, rejected, c.ops);
}

}  // namespace
}  // namespace conductor::sync_decoder
