// Correction layer (issue 3) on the core model: the rule per frame and the properties the issue
// asks for: across any sequence of weight changes no established connection changes owner unless
// its owner fails; after a failure every connection of the failed owner is served by its local
// backup, or its remote backup when the owner's site is down.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "core/core_model.hpp"

namespace conductor {
namespace {

// Ethernet + IPv4 + UDP, 60 bytes: flow f between 198.18.(f>>8).(f&255):1000+f and 198.19.0.1:53;
// reply = the other direction (same connection).
std::vector<uint8_t> udp_frame(uint32_t f, bool reply) {
  std::vector<uint8_t> b(60, 0);
  b[12] = 0x08;
  b[13] = 0x00;
  uint8_t* ip = &b[14];
  ip[0] = 0x45;
  ip[3] = 28;
  ip[8] = 64;
  ip[9] = 17;
  uint8_t a[4] = {198, 18, static_cast<uint8_t>(f >> 8), static_cast<uint8_t>(f)};
  uint8_t c[4] = {198, 19, 0, 1};
  uint16_t pa = static_cast<uint16_t>(1000 + f), pc = 53;
  const uint8_t* s = reply ? c : a;
  const uint8_t* d = reply ? a : c;
  uint16_t sp = reply ? pc : pa, dp = reply ? pa : pc;
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = s[i];
    ip[16 + i] = d[i];
  }
  uint8_t* udp = ip + 20;
  udp[0] = static_cast<uint8_t>(sp >> 8);
  udp[1] = static_cast<uint8_t>(sp);
  udp[2] = static_cast<uint8_t>(dp >> 8);
  udp[3] = static_cast<uint8_t>(dp);
  udp[5] = 8;
  return b;
}

uint8_t bucket_byte(unsigned site, unsigned member) {
  return static_cast<uint8_t>(0x80u | ((site & 1) << 6) | (member & 63));
}

uint16_t backup_word(bool lb_valid, unsigned lb, bool rb_valid, unsigned rb_site, unsigned rb) {
  return static_cast<uint16_t>((lb & 63) | (lb_valid ? 0x40 : 0) | ((rb & 63) << 8) | ((rb_site & 1) << 14) |
                               (rb_valid ? 0x8000 : 0));
}

// sym-l4 mode, 2^log2 buckets all assigned to (site, member).
CoreModel make_model(unsigned log2, unsigned site, unsigned member, int flow_log2 = 8) {
  CoreModel m(flow_log2);
  m.regs().hash.ctrl = (1u << regs::DIST_HASH_CTRL_MODE_LSB) | (log2 << regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  for (uint32_t b = 0; b < (1u << log2); ++b) m.regs().hash.buckets[b] = bucket_byte(site, member);
  return m;
}

CoreOut send(CoreModel& m, uint32_t f, bool reply, uint32_t t) {
  auto b = udp_frame(f, reply);
  return m.process(b.data(), b.size(), 0, t);
}

TEST(Correction, ActionPackingUsesBits61And62) {
  CoreOut o;
  o.action = SteerAction::kFailover;
  o.meta.member = 5;
  uint64_t w = pack_core_out(o);
  EXPECT_EQ((w >> 61) & 3u, 3u);
  EXPECT_EQ(unpack_core_out(w), o);
  EXPECT_EQ(regs::STEER_META_ACTION_LSB, 61u);
  EXPECT_STREQ(steer_action_name(SteerAction::kCorrected), "corrected");
}

TEST(Correction, NewThenHitThenCorrectedAfterTheBucketMoves) {
  CoreModel m = make_model(4, 0, 3);
  m.regs().steer.backup[3] = backup_word(true, 4, true, 1, 7);
  CoreOut o = send(m, 1, false, 10);
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_EQ(o.meta.member, 3);
  EXPECT_TRUE(o.meta.deliver);
  EXPECT_EQ(m.flow_table().counters().occupancy, 1u);
  // The reply direction is the same connection.
  o = send(m, 1, true, 11);
  EXPECT_EQ(o.action, SteerAction::kHit);
  EXPECT_EQ(o.meta.member, 3);
  // Every bucket moves to member 9: the flow stays with 3 (corrected), a new flow goes to 9.
  for (auto& b : m.regs().hash.buckets) b = bucket_byte(0, 9);
  o = send(m, 1, false, 12);
  EXPECT_EQ(o.action, SteerAction::kCorrected);
  EXPECT_EQ(o.meta.member, 3);
  o = send(m, 2, false, 13);
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_EQ(o.meta.member, 9);
  const SteerCounters& c = m.steer_counters();
  EXPECT_EQ(c.new_flows, 2u);
  EXPECT_EQ(c.hit, 1u);
  EXPECT_EQ(c.corrected, 1u);
  EXPECT_EQ(c.ops_issued, 2u);  // two inserts; a hit issues no op
}

TEST(Correction, FailoverToLocalThenRemoteBackupAndTheBackupBecomesTheOwner) {
  CoreModel m = make_model(4, 0, 3);
  m.regs().steer.backup[3] = backup_word(true, 4, true, 1, 7);        // owner 0/3: lb 0/4, rb 1/7
  m.regs().steer.backup[4] = backup_word(true, 5, true, 1, 8);        // 0/4: lb 0/5, rb 1/8
  m.regs().steer.backup[64 + 7] = backup_word(true, 9, false, 0, 0);  // 1/7: lb 1/9
  send(m, 1, false, 0);
  send(m, 2, false, 0);
  m.regs().steer.set_member(0, 3, false);  // one register write
  CoreOut o = send(m, 1, false, 1);
  EXPECT_EQ(o.action, SteerAction::kFailover);
  EXPECT_EQ(o.meta.site, 0);
  EXPECT_EQ(o.meta.member, 4);
  // Written back: 0/4 is the owner now, with its own backups; the bucket still says 0/3.
  o = send(m, 1, true, 2);
  EXPECT_EQ(o.action, SteerAction::kCorrected);
  EXPECT_EQ(o.meta.member, 4);
  // Site 0 down: flow 2 (owner 0/3 still recorded) goes to its remote backup 1/7.
  m.regs().steer.set_site(0, false);
  o = send(m, 2, false, 3);
  EXPECT_EQ(o.action, SteerAction::kFailover);
  EXPECT_EQ(o.meta.site, 1);
  EXPECT_EQ(o.meta.member, 7);
  // Flow 1 (owner 0/4 now): its remote backup 1/8.
  o = send(m, 1, false, 4);
  EXPECT_EQ(o.action, SteerAction::kFailover);
  EXPECT_EQ(o.meta.site, 1);
  EXPECT_EQ(o.meta.member, 8);
  EXPECT_EQ(m.steer_counters().failover, 3u);
}

TEST(Correction, NoBackupUpFallsBackToTheBucket) {
  CoreModel m = make_model(4, 0, 3);
  send(m, 1, false, 0);
  for (auto& b : m.regs().hash.buckets) b = bucket_byte(1, 2);
  m.regs().steer.set_member(0, 3, false);
  CoreOut o = send(m, 1, false, 1);
  EXPECT_EQ(o.action, SteerAction::kFailover);
  EXPECT_EQ(o.meta.site, 1);
  EXPECT_EQ(o.meta.member, 2);
  EXPECT_TRUE(o.meta.deliver);
  o = send(m, 1, false, 2);
  EXPECT_EQ(o.action, SteerAction::kHit);  // 1/2 owns it now and is the bucket's member
  // No bucket member either: not delivered, nothing written.
  for (auto& b : m.regs().hash.buckets) b = 0;
  m.regs().steer.set_member(1, 2, false);
  uint64_t ops = m.steer_counters().ops_issued;
  o = send(m, 1, false, 3);
  EXPECT_EQ(o.action, SteerAction::kFailover);
  EXPECT_FALSE(o.meta.deliver);
  EXPECT_EQ(m.steer_counters().ops_issued, ops);
}

TEST(Correction, HitsIssueNoOpAndMarkTheEntryActive) {
  CoreModel m = make_model(4, 0, 3);
  send(m, 1, false, 1000);  // insert, LAST_SEEN 1000
  for (uint32_t t = 1001; t < 5000; t += 7) send(m, 1, t % 2 == 0, t);
  EXPECT_EQ(m.flow_table().counters().touches, 0u);
  EXPECT_EQ(m.steer_counters().ops_issued, 1u);
  // The entry is marked: the next AGE visit refreshes LAST_SEEN to that AGE's time.
  FlowResult r = m.flow_table().lookup({parse_frame(udp_frame(1, false).data(), 60, 0).key, 0});
  ASSERT_TRUE(r.hit);
  EXPECT_EQ(r.value.last_seen, 1000u);
  const uint32_t units = 2 * m.flow_table().buckets() + flow::kStashSize;
  FlowOp age;
  age.opcode = static_cast<uint8_t>(flow::Opcode::kAge);
  age.time = 6000;
  for (uint32_t u = 0; u < units; ++u) m.flow_table().apply(age);
  r = m.flow_table().lookup({parse_frame(udp_frame(1, false).data(), 60, 0).key, 0});
  ASSERT_TRUE(r.hit);
  EXPECT_EQ(r.value.last_seen, 6000u);
}

TEST(Correction, DefaultedFramesAndUnassignedBucketsLearnNothing) {
  CoreModel m = make_model(4, 0, 3);
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  CoreOut o = m.process(arp.data(), arp.size(), 0, 0);
  EXPECT_TRUE(o.meta.defaulted);
  EXPECT_EQ(o.action, SteerAction::kNew);
  for (auto& b : m.regs().hash.buckets) b = 0;
  o = send(m, 1, false, 0);
  EXPECT_FALSE(o.meta.deliver);
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_EQ(m.flow_table().counters().occupancy, 0u);
  EXPECT_EQ(m.steer_counters().ops_issued, 0u);
  EXPECT_EQ(m.steer_counters().new_flows, 2u);
}

TEST(Correction, FullTableIsCountedAndTheFlowStaysNew) {
  CoreModel m = make_model(4, 0, 3, /*flow_log2=*/0);  // capacity 2*1*4 + 16 = 24
  m.regs().steer.learn_hold = 0;                       // no recently-failed filter: every INSERT walks
  const uint32_t cap = m.flow_table().capacity();
  for (uint32_t f = 0; f < cap + 10; ++f) send(m, f, false, 0);
  EXPECT_EQ(m.flow_table().counters().occupancy, cap);
  EXPECT_EQ(m.steer_counters().learn_full, 10u);
  CoreOut o = send(m, cap + 5, false, 1);  // still not learned: new again
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_FALSE(o.op_dropped);
  EXPECT_EQ(m.steer_counters().learn_full, 11u);
  EXPECT_EQ(m.steer_counters().learn_held, 0u);
}

// One bucket per table: every key has the same bucket pair. The first FULL (op 24) enters the
// filter when op 40 takes its ring slot (16 ring ops later); from then on every INSERT is held for
// LEARN_HOLD ticks (OP_DROPPED, LEARN_HELD, steered by its bucket), then the pair is tried again.
TEST(Correction, RecentlyFailedBucketPairIsHeldForLearnHold) {
  CoreModel m = make_model(4, 0, 3, /*flow_log2=*/0);
  m.regs().steer.learn_hold = 100;
  const uint32_t cap = m.flow_table().capacity();
  ASSERT_EQ(cap, 24u);
  // Op 24 fails; op 40 (frame 40) takes its ring slot, and the failure enters the filter after
  // frame 41's decision: frames from 42 on see it.
  for (uint32_t f = 0; f <= cap + 17; ++f) EXPECT_FALSE(send(m, f, false, 10).op_dropped) << f;
  EXPECT_EQ(m.steer_counters().learn_full, 18u);  // ops 24..41
  for (uint32_t f = cap + 18; f < cap + 30; ++f) EXPECT_TRUE(send(m, f, false, 10).op_dropped) << f;
  EXPECT_EQ(m.steer_counters().learn_held, 12u);
  CoreOut o = send(m, cap + 5, false, 109);  // 99 ticks after the failure: held
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_TRUE(o.op_dropped);
  EXPECT_EQ(m.steer_counters().learn_held, 13u);
  EXPECT_EQ(m.steer_counters().ops_dropped, 0u);  // held is not a queue drop
  o = send(m, cap + 5, false, 110);               // 100 ticks: offered again, fails
  EXPECT_FALSE(o.op_dropped);
  EXPECT_EQ(m.steer_counters().learn_full, 19u);
  EXPECT_EQ(m.steer_counters().learn_held, 13u);
}

// The device may steer a frame as new without its op when its connection's INSERT is still in
// flight (`pending`): honoured only when that INSERT is among the last 16 ring ops.
TEST(Correction, PendingClaimNeedsARecentInsertOfTheConnection) {
  CoreModel m = make_model(4, 0, 3);
  m.regs().steer.learn_hold = 0;
  send(m, 1, false, 0);  // INSERT of connection 1 (op 0)
  auto b = udp_frame(1, true);
  CoreOut o = m.process(b.data(), b.size(), 0, 1, true, true);  // in flight on the device
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_TRUE(o.op_dropped);
  EXPECT_EQ(m.steer_counters().learn_dropped, 1u);
  for (uint32_t f = 2; f < 18; ++f) send(m, f, false, 2);  // 16 more ring ops: op 0 left the ring
  o = m.process(b.data(), b.size(), 0, 3, true, true);
  EXPECT_EQ(o.action, SteerAction::kHit);  // the claim is not possible: the model's own answer
  EXPECT_FALSE(o.op_dropped);
  auto c = udp_frame(99, false);
  o = m.process(c.data(), c.size(), 0, 3, true, true);  // never inserted: a plain drop
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_TRUE(o.op_dropped);
  EXPECT_EQ(m.steer_counters().learn_dropped, 2u);
}

// ---- properties -------------------------------------------------------------------------------
struct Owner {
  unsigned site = 0, member = 0;
  uint16_t backups = 0;
};

void property_run(uint64_t seed) {
  std::mt19937_64 rng(seed);
  const unsigned log2 = 6;
  CoreModel m = make_model(log2, 0, 0, 10);
  SteerRegs& st = m.regs().steer;
  const unsigned members = 6;  // per site
  auto random_buckets = [&] {
    // A weight change: any member set, any share (the property must hold for every table).
    std::vector<std::pair<unsigned, unsigned>> live;
    for (unsigned s = 0; s < 2; ++s)
      for (unsigned k = 0; k < members; ++k)
        if (st.member_is_up(s, k) && rng() % 3 != 0) live.push_back({s, k});
    for (auto& b : m.regs().hash.buckets) {
      if (live.empty()) {
        b = 0;
        continue;
      }
      auto [s, k] = live[rng() % live.size()];
      b = bucket_byte(s, k);
    }
  };
  for (unsigned s = 0; s < 2; ++s)
    for (unsigned k = 0; k < members; ++k)
      st.backup[s * 64 + k] = backup_word(rng() % 4 != 0, (k + 1 + rng() % (members - 1)) % members, rng() % 4 != 0,
                                          1 - s, static_cast<unsigned>(rng() % members));
  random_buckets();
  std::map<uint32_t, Owner> owner;  // established connections
  uint64_t kept = 0, failed_over = 0;
  const uint32_t flows = 300;
  for (uint32_t t = 0; t < 6000; ++t) {
    unsigned ev = static_cast<unsigned>(rng() % 100);
    if (ev < 3) {
      random_buckets();
    } else if (ev < 5) {
      st.set_member(rng() % 2, static_cast<unsigned>(rng() % members), rng() % 2 == 0);
    } else if (ev == 5) {
      st.set_site(rng() % 2, rng() % 4 != 0);
    }
    uint32_t f = static_cast<uint32_t>(rng() % flows);
    CoreOut o = send(m, f, rng() % 2 == 0, t);
    auto it = owner.find(f);
    if (it == owner.end()) {
      ASSERT_EQ(o.action, SteerAction::kNew);
      if (o.meta.deliver) owner[f] = Owner{o.meta.site, o.meta.member, st.backup[o.meta.site * 64 + o.meta.member]};
      continue;
    }
    Owner& w = it->second;
    if (st.member_is_up(w.site, w.member)) {
      // Established and its owner is up: the owner, whatever the buckets say.
      ASSERT_TRUE(o.action == SteerAction::kHit || o.action == SteerAction::kCorrected) << "flow " << f;
      ASSERT_EQ(o.meta.site, w.site) << "flow " << f << " frame " << t;
      ASSERT_EQ(o.meta.member, w.member) << "flow " << f << " frame " << t;
      ASSERT_TRUE(o.meta.deliver);
      ++kept;
      continue;
    }
    // Owner failed: local backup when the owner's site is up, else the remote backup.
    ASSERT_EQ(o.action, SteerAction::kFailover);
    bool lb_valid = (w.backups >> 6) & 1, rb_valid = (w.backups >> 15) & 1;
    unsigned lb = w.backups & 63, rb = (w.backups >> 8) & 63, rb_site = (w.backups >> 14) & 1;
    if (st.site_is_up(w.site) && lb_valid && st.member_is_up(w.site, lb)) {
      ASSERT_EQ(o.meta.site, w.site);
      ASSERT_EQ(o.meta.member, lb);
    } else if (rb_valid && st.member_is_up(rb_site, rb)) {
      ASSERT_EQ(o.meta.site, rb_site);
      ASSERT_EQ(o.meta.member, rb);
    } else if (!o.meta.deliver) {
      continue;  // nobody to take it: still owned by the failed member
    }
    ++failed_over;
    w = Owner{o.meta.site, o.meta.member, st.backup[o.meta.site * 64 + o.meta.member]};
  }
  EXPECT_GT(kept, 1000u);
  EXPECT_GT(failed_over, 10u);
  EXPECT_EQ(m.steer_counters().learn_full, 0u);
}

TEST(CorrectionProperty, EstablishedConnectionsKeepTheirOwnerUnlessItFails) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    property_run(seed);
    if (HasFatalFailure()) return;
  }
}

TEST(CorrectionProperty, EveryConnectionOfAFailedOwnerMovesToItsBackupAfterOneWrite) {
  CoreModel m = make_model(6, 0, 0, 10);
  SteerRegs& st = m.regs().steer;
  for (uint32_t b = 0; b < 64; ++b) m.regs().hash.buckets[b] = bucket_byte(b % 2, b % 4);
  for (unsigned k = 0; k < 4; ++k) {
    st.backup[k] = backup_word(true, (k + 1) % 4, true, 1, k);
    st.backup[64 + k] = backup_word(true, (k + 1) % 4, true, 0, k);
  }
  std::map<uint32_t, CoreOut> first;
  for (uint32_t f = 0; f < 500; ++f) first[f] = send(m, f, false, 0);
  // Member 0/2 down (one write): each of its flows goes to 0/3 (its local backup), others stay.
  st.set_member(0, 2, false);
  for (uint32_t f = 0; f < 500; ++f) {
    CoreOut o = send(m, f, true, 1);
    const SteerMeta& a = first[f].meta;
    if (a.site == 0 && a.member == 2) {
      EXPECT_EQ(o.action, SteerAction::kFailover);
      EXPECT_EQ(o.meta.site, 0);
      EXPECT_EQ(o.meta.member, 3);
    } else {
      EXPECT_EQ(o.meta.site, a.site);
      EXPECT_EQ(o.meta.member, a.member);
      EXPECT_EQ(o.action, SteerAction::kHit);
    }
  }
  // Site 0 down: every flow now owned in site 0 goes to its remote backup in site 1.
  std::map<uint32_t, CoreOut> second;
  for (uint32_t f = 0; f < 500; ++f) second[f] = send(m, f, false, 2);
  st.set_site(0, false);
  for (uint32_t f = 0; f < 500; ++f) {
    CoreOut o = send(m, f, false, 3);
    const SteerMeta& a = second[f].meta;
    if (a.site == 0) {
      EXPECT_EQ(o.action, SteerAction::kFailover);
      EXPECT_EQ(o.meta.site, 1);
      EXPECT_EQ(o.meta.member, a.member);  // rb of 0/k is 1/k
    } else {
      EXPECT_EQ(o.meta.site, 1);
      EXPECT_EQ(o.meta.member, a.member);
    }
  }
}

// ---- ageing (steer.AGE_FRAMES) ----------------------------------------------------------------
// The flow table's active size and the NEW timeout of a model.
void set_ageing(CoreModel& m, uint32_t bucket_log2, uint32_t timeout_new, uint32_t age_frames) {
  flow::Config c = m.flow_table().config();
  const uint32_t mask = ((1u << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH) - 1) << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB;
  c.ctrl = (c.ctrl & ~mask) | (bucket_log2 << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB);
  c.timeout_new = timeout_new;
  m.flow_table().set_config(c);
  m.regs().steer.age_frames = age_frames;
}

flow::CKey ckey_of(uint32_t f) {
  auto b = udp_frame(f, false);
  flow::CKey k{};
  EXPECT_TRUE(canonical_key(parse_frame(b.data(), b.size(), 0).key, k));
  return k;
}

TEST(CorrectionAgeing, AnAgeOpFollowsEveryNthFrameWithItsTime) {
  CoreModel m = make_model(4, 0, 3);
  EXPECT_EQ(m.regs().steer.age_frames, regs::STEER_AGE_FRAMES_RESET);
  m.regs().steer.age_frames = 5;
  for (uint32_t i = 0; i < 23; ++i) send(m, i % 3, false, 100 + i);
  EXPECT_EQ(m.steer_counters().age_ops, 4u);  // after frames 5, 10, 15, 20
  EXPECT_EQ(m.flow_table().counters().age_cursor, 4u);
  EXPECT_EQ(m.age_count(), 3u);
  // Frame 20 (time 119) was the last frame followed by an AGE: one more frame completes the next
  // five, and the AGE's TIME is that frame's timestamp.
  send(m, 0, false, 500);
  send(m, 0, false, 501);
  EXPECT_EQ(m.steer_counters().age_ops, 5u);
  EXPECT_EQ(m.flow_table().counters().now, 501u);  // the AGE's TIME is the frame's timestamp
  // Defaulted frames count too; 0 stops ageing and restarts the count.
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  for (int i = 0; i < 5; ++i) m.process(arp.data(), arp.size(), 0, 600);
  EXPECT_EQ(m.steer_counters().age_ops, 6u);
  m.regs().steer.age_frames = 0;
  for (int i = 0; i < 50; ++i) send(m, 1, false, 700);
  EXPECT_EQ(m.steer_counters().age_ops, 6u);
  EXPECT_EQ(m.age_count(), 0u);
  // Lowered below the count: the next frame issues the AGE.
  m.regs().steer.age_frames = 3;
  send(m, 1, false, 701);
  send(m, 1, false, 702);
  m.regs().steer.age_frames = 1;
  send(m, 1, false, 703);
  EXPECT_EQ(m.steer_counters().age_ops, 7u);
}

TEST(CorrectionAgeing, AnIdleFlowExpiresIsCountedAndComesBackNew) {
  CoreModel m = make_model(4, 0, 3);
  set_ageing(m, 2, 100, 1);  // 4 buckets per sub-table: a sweep is 2*4 + 16 = 24 AGE ops
  m.keep_expired(true);
  EXPECT_EQ(send(m, 1, false, 0).action, SteerAction::kNew);
  EXPECT_EQ(send(m, 2, false, 0).action, SteerAction::kNew);
  // Flow 2 keeps talking, flow 1 is silent; one frame per tick, one AGE op per frame. Flow 1's
  // entry is marked (new), so the first visit of its unit refreshes it; it expires at the first
  // visit more than 100 ticks later (at most two sweeps after tick 100).
  for (uint32_t t = 1; t <= 100 + 2 * 24; ++t) {
    EXPECT_EQ(send(m, 2, t % 2 == 0, t).action, SteerAction::kHit) << t;
  }
  std::vector<FlowEvent> ex = m.take_expired();
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].key, ckey_of(1));
  EXPECT_EQ(ex[0].status, flow::Status::kExpired);
  EXPECT_EQ(ex[0].value.owner_member, 3);
  EXPECT_GE(ex[0].value.last_seen, 1u);  // the first visit's time, within the first sweep
  EXPECT_LE(ex[0].value.last_seen, 24u);
  EXPECT_EQ(m.steer_counters().expired, 1u);
  EXPECT_EQ(m.flow_table().counters().occupancy, 1u);
  // Its next frame is a new connection again, learned again (from the other direction too).
  uint64_t ops = m.steer_counters().ops_issued;
  CoreOut o = send(m, 1, true, 200);
  EXPECT_EQ(o.action, SteerAction::kNew);
  EXPECT_EQ(m.steer_counters().ops_issued, ops + 1);  // the INSERT
  EXPECT_EQ(send(m, 1, false, 201).action, SteerAction::kHit);
  // Idle exactly the timeout is not expired (idle > timeout expires).
  m.take_expired();
  for (uint32_t t = 202; t < 202 + 24; ++t) send(m, 2, false, 300);  // idle 100 for flow 1
  EXPECT_TRUE(m.take_expired().empty());
}

// Random flows, a small table, an AGE op every few frames, at least one frame per tick (a filler
// flow), so a sweep takes at most sweep_frames ticks. Active flows send at least every `gap`
// ticks; a hit marks the entry and the next visit refreshes it, so with gap + sweep <= timeout
// their entry is never idle longer than the timeout at a visit and none of them may ever expire.
// Idle flows stop at a random time; once idle longer than the timeout plus two sweeps (the visit
// that refreshes their last mark, then the one that finds them idle), each must have expired
// exactly once, and its next frame is new.
void ageing_property_run(uint64_t seed) {
  std::mt19937_64 rng(seed);
  CoreModel m = make_model(4, 0, 3);
  const uint32_t age_frames = 1 + static_cast<uint32_t>(rng() % 4);
  const uint32_t bucket_log2 = 3 + static_cast<uint32_t>(rng() % 3);
  const uint32_t sweep_frames = age_frames * (2 * (1u << bucket_log2) + 16);
  const uint32_t timeout = 600, gap = timeout - sweep_frames - static_cast<uint32_t>(rng() % 60);
  const uint32_t filler = 50;
  set_ageing(m, bucket_log2, timeout, age_frames);
  m.keep_expired(true);
  const uint32_t active = 20, idle = 30;  // flows 0..19 active, 100..129 idle
  std::vector<uint32_t> next_due(active), stop(idle), last(idle, 0);
  std::vector<bool> learned(active, false), talked(idle, false);
  for (auto& s : stop) s = static_cast<uint32_t>(rng() % 2000);
  std::map<flow::CKey, uint32_t, bool (*)(const flow::CKey&, const flow::CKey&)> who(
      [](const flow::CKey& a, const flow::CKey& b) {
        for (int i = 0; i < flow::kKeyWords; ++i)
          if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
        return false;
      });
  for (uint32_t f = 0; f < active; ++f) who[ckey_of(f)] = f;
  who[ckey_of(filler)] = filler;
  for (uint32_t f = 0; f < idle; ++f) who[ckey_of(100 + f)] = 100 + f;
  std::map<uint32_t, int> expired_count;
  uint32_t t = 0;
  // Every idle flow is silent from tick 2000 on, so idle longer than the timeout from tick
  // 2000 + timeout on; a full sweep (in frames) after that must have found each of them.
  const uint32_t quiet = 2000 + timeout;
  uint32_t frames_after = 0;
  while (t <= quiet || frames_after < 2 * sweep_frames) {
    // One tick: every active flow that is due sends (at a random point before its gap ends), and
    // a few random frames of idle flows still talking.
    std::vector<uint32_t> batch{filler};
    for (uint32_t f = 0; f < active; ++f)
      if (next_due[f] <= t) {
        batch.push_back(f);
        next_due[f] = t + 1 + static_cast<uint32_t>(rng() % gap);
      }
    for (uint32_t f = 0; f < idle; ++f)
      if (t < stop[f] && rng() % 8 == 0) batch.push_back(100 + f);
    std::shuffle(batch.begin(), batch.end(), rng);
    for (uint32_t f : batch) {
      CoreOut o = send(m, f, rng() % 2 == 0, t);
      if (f >= 100) {
        last[f - 100] = t;
        talked[f - 100] = true;
      }
      if (t > quiet) ++frames_after;
      for (const FlowEvent& e : m.take_expired()) {
        auto it = who.find(e.key);
        ASSERT_NE(it, who.end());
        ASSERT_GE(it->second, 100u) << "active flow " << it->second << " expired at tick " << t;
        ++expired_count[it->second];
      }
      if (f < active && !learned[f]) {
        learned[f] = true;
      } else if (f < active) {
        ASSERT_NE(o.action, SteerAction::kNew) << "active flow " << f << " is new at " << t;
      }
    }
    ++t;
  }
  uint64_t n = 0;
  for (auto& kv : expired_count) n += static_cast<uint64_t>(kv.second);
  EXPECT_EQ(n, m.steer_counters().expired);
  for (uint32_t f = 0; f < idle; ++f) {
    // (a flow stopped before its first frame was never learned)
    EXPECT_EQ(expired_count[100 + f], talked[f] ? 1 : 0) << "idle flow " << 100 + f << " last seen " << last[f];
    EXPECT_EQ(send(m, 100 + f, false, t).action, SteerAction::kNew);
  }
  EXPECT_EQ(m.steer_counters().learn_full, 0u);
}

TEST(CorrectionAgeingProperty, IdleFlowsExpireOnceAndComeBackNewActiveFlowsNever) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    ageing_property_run(seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace conductor
