// Co-simulation of rtl/flow_table against the golden model FlowTableModel (hls/flow_table): random
// mixes of lookups and operations with random idle and back-pressure on all four streams,
// same-key hazards around the op handshake, a full table, collision-heavy tiny tables, the ageing
// sweep; every FLOW_RESULT and FLOW_EVENT word compared bit for bit, every register compared at the
// end. Also asserts the lookup II (1), latency (7) and the visibility rule, and measures the ops
// engine's rate. The build is BucketLog2Max = 9 (4112 entries); smaller active sizes through
// CTRL.BUCKET_LOG2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

#include "flow_bench.hpp"

namespace conductor {
namespace {

using flowsim::config;
using flowsim::FlowBench;
using flowsim::Knobs;
using flowsim::Mix;
using flowsim::Stimulus;

void expect_clean(FlowBench& b, const char* what) {
  std::printf("%s: %s\n%s: %s\n", what, b.results.summary().c_str(), what, b.events.summary().c_str());
  EXPECT_TRUE(b.results.clean()) << what;
  EXPECT_TRUE(b.events.clean()) << what;
  EXPECT_EQ(b.compare_registers(), 0) << what;
}

FlowOp make_op(flow::Opcode c, const FlowKey& k, uint64_t value, uint32_t time, uint16_t tag) {
  FlowOp op;
  op.opcode = static_cast<uint8_t>(c);
  op.key = k;
  op.value = unpack_flow_value(value);
  op.time = time;
  op.tag = tag;
  return op;
}

TEST(FlowTableCosim, ResetClearsTheTableAndRegistersReadBack) {
  FlowBench b(1);
  std::printf("table cleared in %llu clocks after reset\n", static_cast<unsigned long long>(b.init_cycles));
  EXPECT_GE(b.init_cycles, (1u << flowsim::kBucketLog2Max) - 1);
  EXPECT_LE(b.init_cycles, (1u << flowsim::kBucketLog2Max) + 8);
  // Reset values (CTRL.BUCKET_LOG2 31 = the build's maximum).
  EXPECT_EQ(b.compare_registers(), 0);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_CAPACITY_OFFSET), 2u * 512 * 4 + 16);
  const uint32_t g = b.axil.read_ok(regs::FLOW_TABLE_GEOMETRY_OFFSET);
  EXPECT_EQ(regs::field_get(g, regs::FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_LSB,
                            regs::FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_WIDTH),
            9u);
  EXPECT_EQ(regs::field_get(g, regs::FLOW_TABLE_GEOMETRY_SLOTS_LSB, regs::FLOW_TABLE_GEOMETRY_SLOTS_WIDTH), 4u);
  EXPECT_EQ(regs::field_get(g, regs::FLOW_TABLE_GEOMETRY_STASH_SIZE_LSB, regs::FLOW_TABLE_GEOMETRY_STASH_SIZE_WIDTH),
            16u);
  EXPECT_EQ(regs::field_get(g, regs::FLOW_TABLE_GEOMETRY_WALK_MAX_LSB, regs::FLOW_TABLE_GEOMETRY_WALK_MAX_WIDTH), 16u);
  // CTRL keeps only its fields; values above the build are clamped in CAPACITY.
  b.axil.write_ok(regs::FLOW_TABLE_CTRL_OFFSET, 0xFFFFFFFFu);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_CTRL_OFFSET),
            regs::FLOW_TABLE_CTRL_WALK_STEPS_MASK | regs::FLOW_TABLE_CTRL_BUCKET_LOG2_MASK);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_CAPACITY_OFFSET), 2u * 512 * 4 + 16);
  b.axil.write_ok(regs::FLOW_TABLE_CTRL_OFFSET, config(3).ctrl);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_CAPACITY_OFFSET), 2u * 8 * 4 + 16);
}

// Lookups never stall, whatever the ops do: one lookup per clock (II = 1) and the result exactly
// LatencyCycles after the handshake, with a busy op stream alongside.
TEST(FlowTableCosim, LookupInitiationIntervalAndLatency) {
  FlowBench b(2);
  b.program(config(9));
  Stimulus st(21, 1500);
  Mix fill;
  fill.op_percent = 100;
  fill.insert = 100;
  fill.update = fill.del = fill.touch = fill.age = 0;
  st.emit(b, fill, 1000);
  ASSERT_TRUE(b.drain());
  const size_t first = b.lk_cycles.size();
  Mix lookups;
  lookups.op_percent = 0;
  Mix ops;
  ops.op_percent = 100;
  const int n = 5000;
  st.emit(b, lookups, n);
  st.emit(b, ops, 600);  // the op stream runs at the same time
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(b.lk_cycles.size(), first + n);
  for (int i = 1; i < n; ++i) ASSERT_EQ(b.lk_cycles[first + i], b.lk_cycles[first] + i) << "lookup II at " << i;
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(b.res_cycles[first + i], b.lk_cycles[first + i] + flowsim::kLatencyCycles) << "latency at " << i;
  std::printf("%d lookups in %d clocks (II=1, latency %u) while %zu ops ran\n", n, n, flowsim::kLatencyCycles,
              b.op_cycles.size());
  expect_clean(b, "ii/latency");
}

// The visibility rule, asserted on handshake clocks: a lookup accepted in the clock an op is
// accepted, or later, sees the op; one accepted earlier does not. Lookups of the same connection
// (both directions) run every clock across INSERT, UPDATE, TOUCH and DELETE of it.
TEST(FlowTableCosim, VisibilityIsTheOpHandshakeClock) {
  for (int stall : {0, 30}) {
    FlowBench b(3, Knobs{0, 0, stall, stall});
    b.program(config(9));
    std::mt19937_64 g(33);
    const FlowKey k = flowsim::random_key(g);
    const uint64_t v1 = 0x0000000001020304ull, v2 = 0x00000000050A0B0Cull;
    // Rounds 6 and 7: an UPSERT of the absent key inserts it, the next one updates it.
    const flow::Opcode seq[] = {flow::Opcode::kInsert, flow::Opcode::kUpdate, flow::Opcode::kTouch,
                                flow::Opcode::kDelete, flow::Opcode::kInsert, flow::Opcode::kDelete,
                                flow::Opcode::kUpsert, flow::Opcode::kUpsert};
    for (int round = 0; round < 8; ++round) {
      const size_t lk0 = b.lk_cycles.size();
      for (int i = 0; i < 80; ++i) b.lookup(FlowLookup{(i & 1) ? flowsim::reversed(k) : k, static_cast<uint64_t>(i)});
      // The op goes in after a few lookups, so lookups straddle its handshake.
      b.ctrl.run_until([&] { return b.lk_cycles.size() >= lk0 + 10 + 7 * round; }, 1000, "lookups");
      const size_t op0 = b.op_cycles.size();
      b.op(make_op(seq[round], round % 2 ? flowsim::reversed(k) : k, round < 3 ? v1 : v2, 100 + round,
                   static_cast<uint16_t>(round)));
      ASSERT_TRUE(b.drain());
      ASSERT_EQ(b.op_cycles.size(), op0 + 1);
      const uint64_t h = b.op_cycles[op0];
      int before = 0, after = 0;
      for (size_t i = lk0; i < b.lk_cycles.size(); ++i) {
        const FlowResult& r = b.got_results[i];
        // Expected state just before and just after the op.
        const bool present_after = seq[round] != flow::Opcode::kDelete;
        const bool present_before = round != 0 && round != 4 && round != 6;
        const bool want_hit = b.lk_cycles[i] >= h ? present_after : present_before;
        ASSERT_EQ(r.hit, want_hit) << "round " << round << " lookup clock " << b.lk_cycles[i] << " op clock " << h;
        if (round == 2 && r.hit) {  // TOUCH: LAST_SEEN changes at the op clock, nothing else
          ASSERT_EQ(r.value.last_seen, b.lk_cycles[i] >= h ? 102u : 101u);
        }
        if (round == 7 && r.hit) {  // UPSERT of a present key: the new value (TIME as LAST_SEEN)
          ASSERT_EQ(r.value.last_seen, b.lk_cycles[i] >= h ? 107u : 106u);
        }
        (b.lk_cycles[i] >= h ? after : before)++;
      }
      EXPECT_GT(before, 0) << round;
      EXPECT_GT(after, 0) << round;
    }
    expect_clean(b, stall ? "visibility, 30% stalls" : "visibility");
  }
}

// The activity mark's delay, at its boundary: an AGE handshaken in clock H sees the mark of a
// lookup accepted in clock H - 9 or earlier (the entry is refreshed), not one accepted in H - 8 or
// later (the entry, idle past its timeout, expires). One entry in a one-bucket table; the AGE and
// the lookup go in with offsets that put H - t on both sides of 9. The model defers its marks by
// FlowTableModel::kMarkDelay; the scoreboards hold it to the RTL, the outcome to the contract.
TEST(FlowTableCosim, MarkDelayIsExact) {
  static_assert(FlowTableModel::kMarkDelay == 9, "docs/flow_table.md, Activity");
  std::mt19937_64 g(909);
  const FlowKey k = flowsim::random_key(g);
  std::set<int64_t> seen_gaps;
  int refreshed = 0, expired = 0;
  for (int offset = -4; offset <= 12; ++offset) {
    FlowBench b(100 + offset);
    flow::Config c = config(0);  // one bucket per sub-table: 2 + 16 sweep units
    c.timeout_new = c.timeout_est = c.timeout_closing = 5;
    b.program(c);
    b.op(make_op(flow::Opcode::kInsert, k, 0x0000000001020304ull, 1, 1));
    ASSERT_TRUE(b.drain());
    ASSERT_EQ(b.got_events.size(), 1u);
    const int unit = b.got_events[0].where == flow::Where::kTable1 ? 0 : 1;
    ASSERT_EQ(b.got_events[0].where, unit == 0 ? flow::Where::kTable1 : flow::Where::kTable2);
    // A full sweep (the insert's own mark refreshes the entry), then up to the entry's unit.
    for (int i = 0; i < 18 + unit; ++i) b.op(make_op(flow::Opcode::kAge, k, 0, 2, 2));
    ASSERT_TRUE(b.drain());
    ASSERT_EQ(b.got_events.size(), 1u) << "an AGE reports expiries only, and the first sweep has none";
    const size_t lk0 = b.lk_cycles.size(), op0 = b.op_cycles.size(), ev0 = b.got_events.size();
    // offset > 0: the AGE goes in first, the lookup offset clocks later; < 0 the other way round.
    if (offset >= 0) b.op(make_op(flow::Opcode::kAge, k, 0, 100, 3));
    if (offset < 0) b.lookup(FlowLookup{k, 7});
    for (int i = 0; i < std::abs(offset); ++i) b.ctrl.tick();
    if (offset >= 0) b.lookup(FlowLookup{k, 7});
    if (offset < 0) b.op(make_op(flow::Opcode::kAge, k, 0, 100, 3));
    ASSERT_TRUE(b.drain());
    ASSERT_EQ(b.lk_cycles.size(), lk0 + 1);
    ASSERT_EQ(b.op_cycles.size(), op0 + 1);
    const int64_t gap = static_cast<int64_t>(b.op_cycles[op0]) - static_cast<int64_t>(b.lk_cycles[lk0]);
    seen_gaps.insert(gap);
    ASSERT_LE(b.got_events.size(), ev0 + 1);
    const bool did_expire = b.got_events.size() == ev0 + 1;
    if (did_expire) ASSERT_EQ(b.got_events[ev0].status, flow::Status::kExpired);
    EXPECT_EQ(did_expire, gap < 9) << "AGE " << gap << " clocks after the lookup";
    (did_expire ? expired : refreshed)++;
    char what[64];
    std::snprintf(what, sizeof what, "mark delay, AGE - lookup = %lld", static_cast<long long>(gap));
    expect_clean(b, what);
  }
  EXPECT_TRUE(seen_gaps.count(8) && seen_gaps.count(9)) << "the offsets must straddle the boundary";
  EXPECT_GT(refreshed, 0);
  EXPECT_GT(expired, 0);
}

// Random mixes, random idle and back-pressure on every stream, several sizes and walk lengths.
TEST(FlowTableCosim, RandomMixWithBackPressure) {
  struct Batch {
    uint32_t log2, walk;
    size_t pool, items;
    Knobs k;
    int hot, age;     // % hot-key items, % AGE among ops
    uint32_t mature;  // SYNC_MATURE.SWEEPS (0: the sweep leaves SYNC_FLAGS alone)
  };
  const Batch batches[] = {
      {9, 16, 3000, 24000, {0, 0, 0, 0}, 0, 12, 0},
      {9, 16, 3000, 20000, {30, 20, 25, 40}, 30, 12, 1},
      {6, 16, 700, 20000, {10, 50, 10, 10}, 20, 12, 2},
      {6, 3, 700, 16000, {40, 0, 50, 5}, 40, 12, 3},
      {4, 16, 250, 16000, {5, 5, 60, 60}, 10, 12, 15},
      {5, 16, 900, 20000, {20, 20, 20, 20}, 25, 1, 2},  // stays nearly full: walks, stash, FULL
  };
  uint64_t seed = 20260401;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  for (const Batch& bt : batches) {
    FlowBench b(seed++, bt.k);
    flow::Config c = config(bt.log2, bt.walk);
    c.timeout_new = 40;
    c.timeout_est = 400;
    c.timeout_closing = 20;
    c.sync_mature = bt.mature | ((seed & 1) << regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB) |
                    (((seed >> 1) & 1) << regs::FLOW_TABLE_SYNC_MATURE_KEEPALIVE_LSB);
    c.seed1 ^= static_cast<uint32_t>(seed);
    b.program(c);
    Stimulus st(seed * 13, bt.pool);
    Mix m;
    m.hot_percent = bt.hot;
    m.age = bt.age;
    m.del = bt.age == 1 ? 8 : m.del;
    st.emit(b, m, bt.items);
    ASSERT_TRUE(b.drain()) << "log2 " << bt.log2;
    char what[96];
    std::snprintf(what, sizeof what, "mix log2 %u walk %u idle %d/%d stall %d/%d hot %d%%", bt.log2, bt.walk,
                  bt.k.lookup_idle, bt.k.op_idle, bt.k.result_stall, bt.k.event_stall, bt.hot);
    expect_clean(b, what);
    const flow::Counters& n = b.model.counters();
    std::printf("  occupancy %u, inserts %u (full %u), moves %u, stash %u, expiries %u, matured %u\n", n.occupancy,
                n.inserts, n.insert_full, n.moves, n.stash_used, n.expiries, n.matured);
    if (bt.mature != 0 && bt.age > 1) EXPECT_GT(n.matured, 0u) << what;
  }
}

// A table filled to its first failure with lookups of present and absent keys interleaved, then
// churned; and collision-heavy tiny tables (two or one bucket per sub-table, walk on and off).
TEST(FlowTableCosim, FullTableAndCollisionHeavy) {
  {
    FlowBench b(5, Knobs{10, 10, 10, 10});
    b.program(config(7));  // 1040 entries
    Stimulus st(55, 1400);
    Mix fill;
    fill.op_percent = 60;
    fill.insert = 100;
    fill.update = fill.del = fill.touch = fill.age = 0;
    st.emit(b, fill, 4000);
    ASSERT_TRUE(b.drain());
    const flow::Counters n = b.model.counters();
    std::printf("full table: first failure at %u of %u entries (%.1f%%), %u failed inserts, %u moves\n",
                n.first_full_occupancy, b.model.capacity(), 100.0 * n.first_full_occupancy / b.model.capacity(),
                n.insert_full, n.moves);
    EXPECT_GT(n.insert_full, 0u);
    EXPECT_GE(n.first_full_occupancy, b.model.capacity() * 9 / 10);
    Mix churn;
    st.emit(b, churn, 6000);
    ASSERT_TRUE(b.drain());
    expect_clean(b, "full table");
  }
  for (uint32_t log2 : {1u, 0u}) {
    for (uint32_t walk : {16u, 0u}) {
      FlowBench b(6 + log2 * 2 + walk, Knobs{20, 10, 20, 20});
      b.program(config(log2, walk));
      Stimulus st(66 + log2 + walk, 60);
      Mix m;
      m.op_percent = 50;
      m.age = 2;
      st.emit(b, m, 6000);
      ASSERT_TRUE(b.drain());
      char what[64];
      std::snprintf(what, sizeof what, "collision-heavy log2 %u walk %u", log2, walk);
      expect_clean(b, what);
      EXPECT_GT(b.model.counters().insert_full, 0u) << what;
      if (walk != 0 && log2 != 0) EXPECT_GT(b.model.counters().moves, 0u) << what;
    }
  }
}

// AGE ops sweeping while time advances, with lookups, inserts and touches of the same connections.
TEST(FlowTableCosim, AgeingSweepWithTraffic) {
  FlowBench b(7, Knobs{15, 15, 15, 15});
  flow::Config c = config(5);
  c.timeout_new = 30;
  c.timeout_est = 200;
  c.timeout_closing = 10;
  b.program(c);
  Stimulus st(77, 400);
  Mix m;
  m.op_percent = 60;
  m.insert = 35;
  m.update = 10;
  m.del = 5;
  m.touch = 20;
  m.age = 29;
  m.time_step = 3;
  st.emit(b, m, 20000);
  ASSERT_TRUE(b.drain());
  expect_clean(b, "ageing");
  std::printf("  %u expiries over %u AGE steps\n", b.model.counters().expiries, b.model.counters().age_steps);
  EXPECT_GT(b.model.counters().expiries, 200u);
}

// The ops engine: one simple op (no walk, no HINT) every kOpCycles clocks; COUNTER_CLEAR.
TEST(FlowTableCosim, OpRateAndCounterClear) {
  FlowBench b(8);
  b.program(config(9));
  Stimulus st(88, 4000);
  Mix ins;
  ins.op_percent = 100;
  ins.insert = 100;
  ins.update = ins.del = ins.touch = ins.age = 0;
  ins.hint_percent = 0;
  st.emit(b, ins, 400);  // a nearly empty table: no walks
  ASSERT_TRUE(b.drain());
  const size_t n = b.op_cycles.size();
  ASSERT_EQ(n, 400u);
  for (size_t i = 1; i < n; ++i) ASSERT_EQ(b.op_cycles[i] - b.op_cycles[i - 1], flowsim::kOpCycles) << i;
  std::printf("simple ops: one every %u clocks\n", flowsim::kOpCycles);
  expect_clean(b, "op rate");
  b.axil.write_ok(regs::FLOW_TABLE_COUNTER_CLEAR_OFFSET, 1);
  b.model.clear_counters();
  EXPECT_EQ(b.compare_registers(), 0);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_INSERTS_OFFSET), 0u);
  EXPECT_EQ(b.axil.read_ok(regs::FLOW_TABLE_OCCUPANCY_OFFSET), b.model.counters().occupancy);
}

// Ops with FLOW_OP.HINT (the buckets a lookup reported): one insert every kHintedOpCycles = 2
// clocks. An op waits only while an earlier op's write to one of its buckets is pending (the two
// ops before it), or while the op before it, decided in the clock of its read, shares one of its
// buckets (a test on registers, whatever that op writes), so every gap is exactly 2 except after
// such a conflict, and no gap exceeds 6.
TEST(FlowTableCosim, HintedInsertsTakeTwoClocksEach) {
  FlowBench b(12);
  b.program(config(9));
  Stimulus st(1212, 4000);
  Mix ins;
  ins.op_percent = 100;
  ins.insert = 100;
  ins.update = ins.del = ins.touch = ins.age = 0;
  ins.hint_percent = 100;
  constexpr size_t kOps = 1000;  // into 4,096 slots: no walks
  st.emit(b, ins, kOps);
  ASSERT_TRUE(b.drain());
  expect_clean(b, "hinted inserts");
  ASSERT_EQ(b.op_cycles.size(), kOps);
  ASSERT_EQ(b.got_events.size(), kOps);
  // Where each op wrote: (sub-table, bucket) of its new entry, or none.
  std::vector<std::pair<int, uint32_t>> wrote(kOps, {-1, 0});
  std::vector<std::pair<uint32_t, uint32_t>> buckets(kOps);
  for (size_t i = 0; i < kOps; ++i) {
    const FlowEvent& e = b.got_events[i];
    const FlowKey k = canonical_flow_key(e.key);
    b.model.key_buckets(k, buckets[i].first, buckets[i].second);
    ASSERT_EQ(e.moves, 0u) << i;
    if (e.status == flow::Status::kDone && e.where == flow::Where::kTable1) wrote[i] = {0, buckets[i].first};
    if (e.status == flow::Status::kDone && e.where == flow::Where::kTable2) wrote[i] = {1, buckets[i].second};
  }
  size_t two = 0, conflicts = 0;
  for (size_t i = 1; i < kOps; ++i) {
    const uint64_t gap = b.op_cycles[i] - b.op_cycles[i - 1];
    bool conflict = false;
    for (size_t j = (i >= 2 ? i - 2 : 0); j < i; ++j) {
      conflict |= wrote[j] == std::make_pair(0, buckets[i].first) || wrote[j] == std::make_pair(1, buckets[i].second);
    }
    conflict |= buckets[i - 1].first == buckets[i].first || buckets[i - 1].second == buckets[i].second;
    conflicts += conflict;
    if (!conflict && (i < 2 || b.op_cycles[i - 1] - b.op_cycles[i - 2] == flowsim::kHintedOpCycles)) {
      ASSERT_EQ(gap, flowsim::kHintedOpCycles) << "op " << i;
    }
    ASSERT_LE(gap, 6u) << "op " << i;
    two += gap == flowsim::kHintedOpCycles;
  }
  const double per_op = static_cast<double>(b.op_cycles.back() - b.op_cycles.front()) / (kOps - 1);
  std::printf("hinted inserts: %.3f clocks per insert (%zu of %zu gaps are 2; %zu bucket conflicts)\n", per_op, two,
              kOps - 1, conflicts);
  EXPECT_LE(per_op, 2.05);
}

}  // namespace
}  // namespace conductor
