// Unit tests of the flow-table model (hls/flow_table): hashing, canonical keys, word packing,
// op semantics, counters, stash, collision-heavy tables, ageing per state, and the occupancy the
// table reaches before its first insert failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "common/packing.hpp"
#include "flow_table/flow_table.hpp"
#include "flow_table/flow_table_model.hpp"

namespace conductor {
namespace {

using flow::Opcode;
using flow::State;
using flow::Status;
using flow::Where;

// ---- helpers ------------------------------------------------------------------------------------
FlowKey tcp4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t sg = 0) {
  FlowKey k;
  k.ip_valid = true;
  k.l4_valid = true;
  k.proto = kProtoTcp;
  for (int i = 0; i < 4; ++i) {
    k.src_addr[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    k.dst_addr[12 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  k.src_port = sport;
  k.dst_port = dport;
  k.sg_id = sg;
  return k;
}

FlowKey reversed(FlowKey k) {
  std::swap(k.src_addr, k.dst_addr);
  std::swap(k.src_port, k.dst_port);
  return k;
}

FlowKey random_key(std::mt19937_64& rng) {
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = rng() % 4 == 0;
  for (int i = k.is_ipv6 ? 0 : 12; i < 16; ++i) {
    k.src_addr[i] = static_cast<uint8_t>(rng());
    k.dst_addr[i] = static_cast<uint8_t>(rng());
  }
  if (rng() % 32 == 0) k.dst_addr = k.src_addr;
  const uint8_t protos[] = {6, 17, 132, 1, 58, 47, 50};
  k.proto = protos[rng() % 7];
  k.is_frag = rng() % 16 == 0;
  const bool has_ports = (k.proto == 6 || k.proto == 17 || k.proto == 132) && !k.is_frag;
  if (has_ports || rng() % 8 == 0) {  // ports on other protocols must be ignored
    k.l4_valid = has_ports;
    k.src_port = static_cast<uint16_t>(rng());
    k.dst_port = static_cast<uint16_t>(rng());
  }
  k.sg_id = static_cast<uint8_t>(rng());
  return k;
}

FlowValue value_of(uint8_t member, State st = State::kNew) {
  FlowValue v;
  v.owner_member = member & 63;
  v.owner_site = member & 1;
  v.lb_member = (member + 1) & 63;
  v.lb_valid = true;
  v.rb_member = (member + 2) & 63;
  v.rb_site = 1;
  v.rb_valid = (member & 2) != 0;
  v.state = st;
  v.sync_flags = member & 63;
  return v;
}

FlowOp op_of(Opcode c, const FlowKey& k, const FlowValue& v = {}, uint32_t time = 0, uint16_t tag = 0) {
  FlowOp op;
  op.opcode = static_cast<uint8_t>(c);
  op.key = k;
  op.value = v;
  op.time = time;
  op.tag = tag;
  return op;
}

flow::Config config(uint32_t bucket_log2, uint32_t walk = flow::kWalkMax) {
  flow::Config c;
  c.ctrl =
      regs::field_set(0, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH, bucket_log2);
  c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, walk);
  return c;
}

FlowEvent one(FlowTableModel& m, const FlowOp& op) {
  std::vector<FlowEvent> ev = m.apply(op);
  EXPECT_EQ(ev.size(), 1u);
  return ev.empty() ? FlowEvent{} : ev[0];
}

// Independent byte-wise CRC32C (reflected table, Castagnoli).
uint32_t crc32c_bytes(uint32_t crc, const uint8_t* p, size_t n) {
  static uint32_t table[256];
  static bool init = false;
  if (!init) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int j = 0; j < 8; ++j) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0u);
      table[i] = c;
    }
    init = true;
  }
  for (size_t i = 0; i < n; ++i) crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xFF];
  return crc;
}

// Every valid slot of the table and stash (canonical keys), checking that no key appears twice.
size_t scan(const FlowTableModel& m, std::set<std::array<uint64_t, 5>>* keys) {
  size_t n = 0;
  const auto& core = m.core();
  auto add = [&](const flow::Slot& s) {
    if (!flow::slot_valid(s)) return;
    ++n;
    flow::CKey k = flow::slot_key(s);
    std::array<uint64_t, 5> a;
    std::memcpy(a.data(), k.w, sizeof a);
    EXPECT_TRUE(keys->insert(a).second) << "duplicate key " << to_string(k);
  };
  for (int t = 0; t < 2; ++t)
    for (uint32_t b = 0; b < m.buckets(); ++b)
      for (int s = 0; s < flow::kSlots; ++s) add(core.slot(t, b, s));
  for (int i = 0; i < flow::kStashSize; ++i) add(core.stash(i));
  return n;
}

// ---- hashing ------------------------------------------------------------------------------------
TEST(FlowTableHash, Crc32cMatchesByteTableAndCheckValue) {
  const char* check = "123456789";
  EXPECT_EQ(crc32c_bytes(0xFFFFFFFFu, reinterpret_cast<const uint8_t*>(check), 9) ^ 0xFFFFFFFFu, 0xE3069283u);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t c = static_cast<uint32_t>(rng());
    const uint64_t w = rng();
    uint8_t b[8];
    std::memcpy(b, &w, 8);  // little-endian host: byte 0 = bits 7:0, processed first
    const uint32_t want = crc32c_bytes(c, b, 8);
    ASSERT_EQ(flow::crc32c_u64_bitwise(c, w), want);
    ASSERT_EQ(flow::crc32c_u64(c, w), want);
  }
}

TEST(FlowTableHash, SeedIsTheFirstMessageBits) {
  // The RTL folds the seed into the first 32 message bits; the same identity on the model.
  std::mt19937_64 rng(2);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t seed = static_cast<uint32_t>(rng());
    const uint64_t w0 = rng(), w1 = rng();
    EXPECT_EQ(flow::crc32c_u64(flow::crc32c_u64(seed, w0), w1), flow::crc32c_u64(flow::crc32c_u64(0, w0 ^ seed), w1));
  }
}

TEST(FlowTableHash, BucketsSpreadEvenly) {
  // 64K random keys over 256 buckets per sub-table: every bucket within 40% of the mean, and the
  // two sub-table indices independent (pairs spread over 256 x 256 cells).
  std::mt19937_64 rng(3);
  std::vector<int> c1(256), c2(256);
  std::set<uint32_t> pairs;
  for (int i = 0; i < 65536; ++i) {
    flow::CKey k;
    canonical_key(tcp4(0xC6120000u | (i & 0xFFFF), static_cast<uint16_t>(1024 + i % 7), 0xC6130001u, 80), k);
    uint32_t h1, h2;
    flow::hash_pair(k, regs::FLOW_TABLE_HASH_SEED1_RESET, regs::FLOW_TABLE_HASH_SEED2_RESET, h1, h2);
    ++c1[h1 & 255];
    ++c2[h2 & 255];
    pairs.insert((h1 & 255) << 8 | (h2 & 255));
  }
  for (int b = 0; b < 256; ++b) {
    EXPECT_NEAR(c1[b], 256, 102) << "sub-table 1 bucket " << b;
    EXPECT_NEAR(c2[b], 256, 102) << "sub-table 2 bucket " << b;
  }
  EXPECT_GT(pairs.size(), 40000u);  // 65536 draws from 65536 cells: ~41400 distinct expected
}

// ---- canonical key ------------------------------------------------------------------------------
TEST(FlowTableKey, BothDirectionsAreOneKey) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    const FlowKey k = random_key(rng);
    flow::CKey a, b, c;
    ASSERT_TRUE(canonical_key(k, a));
    ASSERT_TRUE(canonical_key(reversed(k), b));
    ASSERT_EQ(a, b) << i;
    // The HLS path (FLOW_KEY word) agrees with the host path.
    ASSERT_TRUE(flow::canonicalize(pack(k), c));
    ASSERT_EQ(a, c) << i;
    // Canonical order: A <= B (address, then port).
    const FlowKey ck = canonical_flow_key(a);
    ASSERT_TRUE(ck.src_addr < ck.dst_addr || (ck.src_addr == ck.dst_addr && ck.src_port <= ck.dst_port));
  }
}

TEST(FlowTableKey, PortsOnlyForTcpUdpSctpNonFragments) {
  flow::CKey a, b;
  FlowKey k = tcp4(0x0A000001, 1000, 0x0A000002, 80);
  k.proto = kProtoIcmp;  // ports present in the FLOW_KEY but not part of an ICMP key
  FlowKey k2 = k;
  k2.src_port = 5;
  canonical_key(k, a);
  canonical_key(k2, b);
  EXPECT_EQ(a, b);
  k.proto = kProtoTcp;
  k.is_frag = true;
  k2.proto = kProtoTcp;
  k2.is_frag = true;
  canonical_key(k, a);
  canonical_key(k2, b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.w[4] & 0xFFFFFFFFu, 0u);
  k.is_frag = false;
  k2.is_frag = false;
  canonical_key(k, a);
  canonical_key(k2, b);
  EXPECT_NE(a, b);
  // Equal addresses: the lower port is A.
  FlowKey e = tcp4(0x0A000001, 2000, 0x0A000001, 1000);
  canonical_key(e, a);
  EXPECT_EQ(a.w[4] & 0xFFFF, 1000u);
  EXPECT_EQ((a.w[4] >> 16) & 0xFFFF, 2000u);
}

TEST(FlowTableKey, SecurityGroupAndFamilyAreKeyParts) {
  flow::CKey a, b;
  canonical_key(tcp4(1, 2, 3, 4, 0), a);
  canonical_key(tcp4(1, 2, 3, 4, 1), b);
  EXPECT_NE(a, b);
  FlowKey v6 = tcp4(1, 2, 3, 4, 0);
  v6.is_ipv6 = true;
  canonical_key(v6, b);
  EXPECT_NE(a, b);
  FlowKey none;
  none.sg_id = 3;
  EXPECT_FALSE(canonical_key(none, a));
  EXPECT_FALSE(flow::canonicalize(pack(none), b));
}

// ---- packing ------------------------------------------------------------------------------------
TEST(FlowTablePacking, WordsRoundTrip) {
  std::mt19937_64 rng(5);
  uint64_t defined = 0;  // FLOW_VALUE bits that belong to a field
  for (const auto& f : regs::FLOW_VALUE_FIELDS)
    defined |= ((f.width == 64 ? 0 : (uint64_t{1} << f.width)) - 1) << f.lsb;
  EXPECT_EQ(defined, ~uint64_t{0x8080});
  for (int i = 0; i < 1000; ++i) {
    const uint64_t w = rng() & defined;
    EXPECT_EQ(pack(unpack_flow_value(w)), w);
    FlowResult r;
    r.hit = rng() & 1;
    r.key_valid = true;
    r.value = r.hit ? unpack_flow_value(rng()) : FlowValue{};
    r.tag = rng();
    EXPECT_EQ(unpack_flow_result(pack(r)), r);
    flow::EventRec e;
    e.status = static_cast<Status>(rng() % 6);
    e.opcode = static_cast<uint32_t>(rng() % 16);
    e.where = static_cast<Where>(rng() % 4);
    e.moves = static_cast<uint32_t>(rng() % 64);
    e.tag = static_cast<uint32_t>(rng() % 65536);
    canonical_key(random_key(rng), e.key);
    e.value = rng();
    EXPECT_EQ(unpack_flow_event(flow::pack_event(e)), to_flow_event(e));
  }
  EXPECT_EQ(regs::FLOW_ENTRY_VALUE_LSB, static_cast<uint32_t>(flow::kKeyBits));
  EXPECT_EQ(regs::FLOW_EVENT_VALUE_LSB, static_cast<uint32_t>(flow::kKeyBits));
  EXPECT_EQ(regs::FLOW_ENTRY_SG_ID_LSB, 297u);
}

// Bucket indices are 25 bits (BucketLog2Max up to 25: 2 x 2^25 buckets x 4 slots, 268M entries) in
// FLOW_RESULT and FLOW_OP, and the bits around them stay zero.
TEST(FlowTablePacking, BucketFieldsHold25Bits) {
  static_assert(regs::FLOW_RESULT_BUCKET1_WIDTH == 25 && regs::FLOW_RESULT_BUCKET2_WIDTH == 25);
  static_assert(regs::FLOW_OP_BUCKET1_WIDTH == 25 && regs::FLOW_OP_BUCKET2_WIDTH == 25);
  static_assert(regs::FLOW_RESULT_BITS == 186 && regs::FLOW_RESULT_BUCKET2_LSB + 25 == regs::FLOW_RESULT_BITS);
  static_assert(regs::FLOW_OP_BUCKET2_LSB + 25 == 498, "FLOW_OP bits 498..511 stay reserved");
  const uint32_t top = (1u << 25) - 1;
  for (const auto& [b1, b2] : {std::pair<uint32_t, uint32_t>{top, 0}, {0, top}, {top, top}, {0x1555555, 0x0AAAAAA}}) {
    FlowResult r;
    r.key_valid = true;
    r.bucket1 = b1;
    r.bucket2 = b2;
    const flow::ResultWord w = pack(r);
    EXPECT_EQ(unpack_flow_result(w), r);
    EXPECT_EQ(w.range(regs::FLOW_RESULT_BUCKET1_LSB - 1, regs::FLOW_RESULT_KEY_VALID_LSB + 1).to_uint64(), 0u);
    FlowOp op;
    op.hint = true;
    op.bucket1 = b1;
    op.bucket2 = b2;
    const flow::OpWord ow = pack(op);
    EXPECT_EQ(ow.range(regs::FLOW_OP_BUCKET1_LSB + 24, regs::FLOW_OP_BUCKET1_LSB).to_uint64(), b1);
    EXPECT_EQ(ow.range(regs::FLOW_OP_BUCKET2_LSB + 24, regs::FLOW_OP_BUCKET2_LSB).to_uint64(), b2);
    EXPECT_EQ(ow.range(511, 498).to_uint64(), 0u);
  }
}

// ---- op semantics -------------------------------------------------------------------------------
TEST(FlowTableOps, InsertLookupUpdateTouchDelete) {
  FlowTableModel m(6);
  m.set_config(config(6));
  const FlowKey k = tcp4(0xC6120001, 40000, 0xC6130002, 443, 2);
  const FlowValue v = value_of(5, State::kEstablished);

  FlowResult r = m.lookup({k, 0x1234});
  EXPECT_FALSE(r.hit);
  EXPECT_TRUE(r.key_valid);
  EXPECT_EQ(r.tag, 0x1234u);
  EXPECT_EQ(r.value, FlowValue{});

  FlowEvent e = one(m, op_of(Opcode::kInsert, k, v, 100, 7));
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.tag, 7u);
  EXPECT_EQ(e.moves, 0u);
  EXPECT_NE(e.where, Where::kNone);
  FlowValue stored = v;
  stored.last_seen = 100;  // INSERT stamps LAST_SEEN with TIME
  EXPECT_EQ(e.value, stored);
  flow::CKey ck;
  canonical_key(k, ck);
  EXPECT_EQ(e.key, ck);

  // Both directions hit the same entry.
  r = m.lookup({reversed(k), 9});
  EXPECT_TRUE(r.hit);
  EXPECT_EQ(r.value, stored);
  EXPECT_TRUE(m.lookup({k, 9}).hit);

  // INSERT of a present key: EXISTS, value unchanged.
  e = one(m, op_of(Opcode::kInsert, reversed(k), value_of(9), 200, 8));
  EXPECT_EQ(e.status, Status::kExists);
  EXPECT_EQ(e.value, stored);
  EXPECT_EQ(m.lookup({k, 0}).value, stored);

  // UPDATE replaces the value and stamps LAST_SEEN.
  FlowValue nv = value_of(11, State::kClosing);
  e = one(m, op_of(Opcode::kUpdate, k, nv, 300, 9));
  nv.last_seen = 300;
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.value, nv);
  EXPECT_EQ(m.lookup({k, 0}).value, nv);

  // TOUCH changes only LAST_SEEN (its VALUE field is ignored).
  e = one(m, op_of(Opcode::kTouch, reversed(k), value_of(33), 400, 10));
  nv.last_seen = 400;
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.value, nv);
  EXPECT_EQ(m.lookup({k, 0}).value, nv);

  // DELETE returns the removed value; then the key is absent.
  e = one(m, op_of(Opcode::kDelete, k, {}, 500, 11));
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.value, nv);
  EXPECT_FALSE(m.lookup({k, 0}).hit);
  for (Opcode c : {Opcode::kUpdate, Opcode::kTouch, Opcode::kDelete}) {
    e = one(m, op_of(c, k, v, 600, 12));
    EXPECT_EQ(e.status, Status::kNotFound);
    EXPECT_EQ(e.where, Where::kNone);
    EXPECT_EQ(e.value, FlowValue{});
    EXPECT_EQ(e.key, ck);
  }
  EXPECT_EQ(m.counters().now, 600u);
}

// UPSERT (what a backup's sync decoder issues): an absent key is inserted (counted as an insert,
// FULL when there is no room), a present one updated in place (counted as an update).
TEST(FlowTableOps, UpsertInsertsAbsentAndUpdatesPresent) {
  FlowTableModel m(6);
  m.set_config(config(6));
  const FlowKey k = tcp4(0xC6120001, 40000, 0xC6130002, 443, 2);
  FlowValue v = value_of(5, State::kEstablished);
  FlowEvent e = one(m, op_of(Opcode::kUpsert, k, v, 100, 7));
  v.last_seen = 100;
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.opcode, static_cast<uint32_t>(Opcode::kUpsert));
  EXPECT_NE(e.where, Where::kNone);
  EXPECT_EQ(e.value, v);
  EXPECT_EQ(m.lookup({reversed(k), 0}).value, v);
  EXPECT_EQ(m.counters().inserts, 1u);
  EXPECT_EQ(m.counters().occupancy, 1u);

  FlowValue nv = value_of(9, State::kClosing);
  e = one(m, op_of(Opcode::kUpsert, reversed(k), nv, 200, 8));
  nv.last_seen = 200;
  EXPECT_EQ(e.status, Status::kDone);
  EXPECT_EQ(e.value, nv);
  EXPECT_EQ(m.lookup({k, 0}).value, nv);
  EXPECT_EQ(m.counters().inserts, 1u);
  EXPECT_EQ(m.counters().updates, 1u);
  EXPECT_EQ(m.counters().occupancy, 1u);
  EXPECT_EQ(m.counters().insert_exists, 0u);
}

TEST(FlowTableOps, InvalidOpsAndKeys) {
  FlowTableModel m(4);
  m.set_config(config(4));
  const FlowKey k = tcp4(1, 2, 3, 4);
  for (uint8_t code : {0, 7, 8, 15}) {
    FlowOp op = op_of(Opcode::kInsert, k, value_of(1), 5, 77);
    op.opcode = code;
    const FlowEvent e = one(m, op);
    EXPECT_EQ(e.status, Status::kInvalid);
    EXPECT_EQ(e.opcode, code);
    EXPECT_EQ(e.tag, 77u);
    EXPECT_EQ(e.key, flow::CKey{});
  }
  FlowKey none;  // IP_VALID = 0
  for (Opcode c : {Opcode::kInsert, Opcode::kUpdate, Opcode::kDelete, Opcode::kTouch, Opcode::kUpsert})
    EXPECT_EQ(one(m, op_of(c, none, value_of(1), 5)).status, Status::kInvalid);
  EXPECT_EQ(m.counters().invalid_ops, 9u);
  EXPECT_EQ(m.counters().occupancy, 0u);
  // A lookup without IP_VALID misses, even though nothing else distinguishes it.
  const FlowResult r = m.lookup({none, 3});
  EXPECT_FALSE(r.hit);
  EXPECT_FALSE(r.key_valid);
}

TEST(FlowTableOps, CountersAndClear) {
  FlowTableModel m(5);
  flow::Config c = config(5);
  c.timeout_new = 10;
  m.set_config(c);
  std::mt19937_64 rng(6);
  std::vector<FlowKey> keys;
  for (int i = 0; i < 50; ++i) keys.push_back(random_key(rng));
  for (const FlowKey& k : keys) one(m, op_of(Opcode::kInsert, k, value_of(1), 0));
  one(m, op_of(Opcode::kInsert, keys[0], value_of(1), 0));
  for (int i = 0; i < 5; ++i) one(m, op_of(Opcode::kUpdate, keys[i], value_of(2, State::kEstablished), 1));
  for (int i = 5; i < 8; ++i) one(m, op_of(Opcode::kTouch, keys[i], {}, 2));
  for (int i = 8; i < 10; ++i) one(m, op_of(Opcode::kDelete, keys[i], {}, 3));
  one(m, op_of(Opcode::kDelete, keys[8], {}, 3));
  for (int i = 0; i < 20; ++i) m.lookup({keys[i], 0});
  // A first sweep at time 3 finds every entry marked (new entries are, and so are the looked-up
  // ones): it refreshes them to LAST_SEEN 3 and clears the marks. A second one at time 100: the 40
  // NEW entries idle since 3 expire (timeout 10), the 5 ESTABLISHED ones (timeout 3600000) stay.
  const uint32_t units = 2 * m.buckets() + flow::kStashSize;
  uint32_t expired = 0;
  for (uint32_t u = 0; u < units; ++u) expired += static_cast<uint32_t>(m.apply(op_of(Opcode::kAge, {}, {}, 3)).size());
  EXPECT_EQ(expired, 0u);
  for (uint32_t u = 0; u < units; ++u)
    expired += static_cast<uint32_t>(m.apply(op_of(Opcode::kAge, {}, {}, 100)).size());
  const flow::Counters& n = m.counters();
  EXPECT_EQ(n.inserts, 50u);
  EXPECT_EQ(n.insert_exists, 1u);
  EXPECT_EQ(n.updates, 5u);
  EXPECT_EQ(n.touches, 3u);
  EXPECT_EQ(n.deletes, 2u);
  EXPECT_EQ(n.not_found, 1u);
  EXPECT_EQ(n.lookups, 20u);
  EXPECT_EQ(n.hits, 18u);  // keys 8 and 9 were deleted
  EXPECT_EQ(expired, 43u);
  EXPECT_EQ(n.expiries, 43u);
  EXPECT_EQ(n.age_steps, 2 * units);
  EXPECT_EQ(n.age_cursor, 0u);  // a whole sweep wraps
  EXPECT_EQ(n.occupancy, 5u);
  EXPECT_EQ(n.now, 100u);
  EXPECT_EQ(m.read_reg(regs::FLOW_TABLE_OCCUPANCY_OFFSET), 5u);
  EXPECT_EQ(m.read_reg(regs::FLOW_TABLE_CAPACITY_OFFSET), 2u * 32 * 4 + 16);
  m.clear_counters();
  EXPECT_EQ(m.counters().inserts, 0u);
  EXPECT_EQ(m.counters().lookups, 0u);
  EXPECT_EQ(m.counters().occupancy, 5u);  // gauges survive COUNTER_CLEAR
  EXPECT_EQ(m.counters().now, 100u);
}

// ---- structure ----------------------------------------------------------------------------------
TEST(FlowTableStructure, StashTakesWhatTheBucketsCannot) {
  // One bucket per sub-table and no walk: 8 bucket slots, then the 16 stash entries, then FULL.
  FlowTableModel m(3);
  m.set_config(config(0, 0));
  EXPECT_EQ(m.capacity(), 24u);
  std::mt19937_64 rng(7);
  std::vector<FlowKey> keys;
  for (int i = 0; i < 30; ++i) keys.push_back(random_key(rng));
  for (int i = 0; i < 30; ++i) {
    const FlowEvent e =
        one(m, op_of(Opcode::kInsert, keys[i], value_of(static_cast<uint8_t>(i)), 1, static_cast<uint16_t>(i)));
    if (i < 8) {
      EXPECT_EQ(e.status, Status::kDone);
      EXPECT_NE(e.where, Where::kStash);
    } else if (i < 24) {
      EXPECT_EQ(e.status, Status::kDone);
      EXPECT_EQ(e.where, Where::kStash);
    } else {
      EXPECT_EQ(e.status, Status::kFull);
      EXPECT_EQ(e.where, Where::kNone);
    }
  }
  EXPECT_EQ(m.counters().insert_full, 6u);
  EXPECT_EQ(m.counters().first_full_occupancy, 24u);
  EXPECT_EQ(m.counters().stash_used, 16u);
  // Least-loaded placement alternates the two buckets: T1 (tie), T2, T1, ...
  for (int i = 0; i < 24; ++i) EXPECT_TRUE(m.lookup({keys[i], 0}).hit) << i;
  for (int i = 24; i < 30; ++i) EXPECT_FALSE(m.lookup({keys[i], 0}).hit) << i;
  // A stash entry can be deleted, and its slot reused.
  EXPECT_EQ(one(m, op_of(Opcode::kDelete, keys[10], {}, 2)).where, Where::kStash);
  EXPECT_EQ(m.counters().stash_used, 15u);
  EXPECT_EQ(one(m, op_of(Opcode::kInsert, keys[25], value_of(1), 3)).where, Where::kStash);
}

TEST(FlowTableStructure, CollisionHeavyTinyTableKeepsEveryKey) {
  // Two buckets per sub-table (16 slots + 16 stash): random inserts and deletes with the walk on.
  // Every key the model reports present is found with its value, nothing is duplicated, and
  // OCCUPANCY counts exactly the valid slots.
  for (uint32_t log2 : {1u, 2u, 3u}) {
    FlowTableModel m(3);
    m.set_config(config(log2));
    std::mt19937_64 rng(8 + log2);
    std::vector<FlowKey> pool;
    for (int i = 0; i < 200; ++i) pool.push_back(random_key(rng));
    std::vector<int> present(pool.size(), 0);
    std::vector<FlowValue> val(pool.size());
    for (int step = 0; step < 20000; ++step) {
      const int i = static_cast<int>(rng() % pool.size());
      if (rng() % 3 != 0) {
        const FlowValue v = value_of(static_cast<uint8_t>(step));
        const FlowEvent e = one(m, op_of(Opcode::kInsert, (step & 1) ? reversed(pool[i]) : pool[i], v, 7));
        if (present[i]) {
          ASSERT_EQ(e.status, Status::kExists);
        } else if (e.status == Status::kDone) {
          present[i] = 1;
          val[i] = v;
          val[i].last_seen = 7;
        } else {
          ASSERT_EQ(e.status, Status::kFull);
        }
      } else {
        const FlowEvent e = one(m, op_of(Opcode::kDelete, pool[i], {}, 7));
        ASSERT_EQ(e.status, present[i] ? Status::kDone : Status::kNotFound);
        present[i] = 0;
      }
    }
    size_t live = 0;
    for (size_t i = 0; i < pool.size(); ++i) {
      const FlowResult r = m.lookup({pool[i], 0});
      ASSERT_EQ(r.hit, present[i] != 0) << "log2 " << log2 << " key " << i;
      if (r.hit) {
        ASSERT_EQ(r.value, val[i]);
      }
      live += present[i];
    }
    std::set<std::array<uint64_t, 5>> keys;
    EXPECT_EQ(scan(m, &keys), live);
    EXPECT_EQ(m.counters().occupancy, live);
    EXPECT_GT(m.counters().moves, 0u);
  }
}

// Fills a table of 2^log2 buckets per sub-table with random keys until the first insert fails;
// returns OCCUPANCY at that point over CAPACITY.
double fill_until_full(uint32_t log2, uint64_t seed, FlowTableModel* out_model = nullptr) {
  FlowTableModel local(static_cast<int>(log2));
  FlowTableModel& m = out_model ? *out_model : local;
  m.set_config(config(log2));
  std::mt19937_64 rng(seed);
  FlowOp op = op_of(Opcode::kInsert, tcp4(0, 0, 0, 0), value_of(1), 1);
  for (;;) {
    const uint64_t r = rng();
    op.key = tcp4(static_cast<uint32_t>(r), static_cast<uint16_t>(r >> 32),
                  static_cast<uint32_t>(r >> 48) | 0xC6120000u, static_cast<uint16_t>(rng()));
    FlowEvent e[flow::kMaxEvents];
    m.apply(op, e);
    if (e[0].status == Status::kFull) break;
  }
  return static_cast<double>(m.counters().first_full_occupancy) / m.capacity();
}

TEST(FlowTableStructure, NinetyPercentBeforeTheFirstInsertFailure) {
  struct Case {
    uint32_t log2;
    int seeds;
  };
  for (const Case c : {Case{4, 20}, Case{6, 20}, Case{8, 10}, Case{10, 5}, Case{12, 3}, Case{14, 2}, Case{16, 1}}) {
    double lo = 1.0, sum = 0;
    for (int s = 0; s < c.seeds; ++s) {
      const double occ = fill_until_full(c.log2, 100 + s);
      lo = std::min(lo, occ);
      sum += occ;
    }
    const uint32_t cap = 2 * (1u << c.log2) * flow::kSlots + flow::kStashSize;
    std::printf("capacity %7u: occupancy at the first insert failure min %.4f mean %.4f (%d tables)\n", cap, lo,
                sum / c.seeds, c.seeds);
    EXPECT_GE(lo, 0.90) << "capacity " << cap;
  }
}

TEST(FlowTableStructure, FullTableStillAnswersAndKeepsEveryKey) {
  FlowTableModel m(8);
  fill_until_full(8, 42, &m);
  const flow::Counters n = m.counters();
  EXPECT_EQ(n.insert_full, 1u);
  EXPECT_EQ(n.first_full_occupancy, n.occupancy);
  std::set<std::array<uint64_t, 5>> keys;
  EXPECT_EQ(scan(m, &keys), n.occupancy);
  // Every stored key is found; its canonical form is the stored one.
  for (const auto& a : keys) {
    flow::CKey k;
    std::memcpy(k.w, a.data(), sizeof k.w);
    uint64_t v;
    ASSERT_TRUE(m.lookup_key(k, &v));
  }
  // Bulk lookup agrees with single lookups, hits and misses mixed.
  std::vector<flow::CKey> ks;
  for (const auto& a : keys) {
    flow::CKey k;
    std::memcpy(k.w, a.data(), sizeof k.w);
    ks.push_back(k);
    k.w[0] ^= 0x5A5A;  // most likely absent
    ks.push_back(k);
  }
  std::vector<uint64_t> vals(ks.size());
  std::unique_ptr<bool[]> hits(new bool[ks.size()]);
  m.lookup_bulk(ks.data(), ks.size(), vals.data(), hits.get());
  for (size_t i = 0; i < ks.size(); ++i) {
    uint64_t v = 0;
    const bool h = m.lookup_key(ks[i], &v);
    ASSERT_EQ(hits[i], h) << i;
    ASSERT_EQ(vals[i], v) << i;
  }
  // Deleting frees a slot in the key's own bucket: inserting the key again succeeds.
  EXPECT_EQ(one(m, op_of(Opcode::kDelete, canonical_flow_key(ks[0]), {}, 2)).status, Status::kDone);
  EXPECT_EQ(one(m, op_of(Opcode::kInsert, canonical_flow_key(ks[0]), value_of(1), 2)).status, Status::kDone);
}

TEST(FlowTableStructure, MovesAreCountedAndBounded) {
  FlowTableModel m(8);
  m.set_config(config(8, 5));
  std::mt19937_64 rng(9);
  uint32_t moves = 0, max_moves = 0;
  for (int i = 0; i < 2000; ++i) {
    const FlowEvent e = one(m, op_of(Opcode::kInsert, random_key(rng), value_of(1), 1));
    moves += e.moves;
    max_moves = std::max<uint32_t>(max_moves, e.moves);
  }
  EXPECT_EQ(m.counters().moves, moves);
  EXPECT_GT(moves, 0u);
  EXPECT_LE(max_moves, 5u);  // WALK_STEPS = 5
}

// ---- ageing -------------------------------------------------------------------------------------
// Delayed notifications in the table: under SYNC_MATURE.SWEEPS = 2 an unsynced entry that stays
// counts each sweep in FLOW_SYNC.SWEEPS and is matured (event MATURED, SYNCED set) by its second;
// synced entries, expired ones and a table with SYNC_MATURE 0 are left alone.
TEST(FlowTableAgeing, SweepMaturesUnsyncedEntries) {
  FlowTableModel m(2);
  flow::Config c = config(2);
  c.timeout_new = 100;
  c.sync_mature = 2;
  m.set_config(c);
  const FlowKey fresh = tcp4(0x0A000001u, 1, 0x0B000000u, 2), synced = tcp4(0x0A000002u, 1, 0x0B000000u, 2),
                idle = tcp4(0x0A000003u, 1, 0x0B000000u, 2);
  FlowValue v = value_of(3);
  v.sync_flags = 0;  // unsynced, no sweep counted
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, fresh, v, 50)).status, Status::kDone);
  FlowValue vs = v;
  vs.sync_flags = 1u << regs::FLOW_SYNC_SYNCED_LSB;
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, synced, vs, 50)).status, Status::kDone);
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, idle, v, 0)).status, Status::kDone);
  const uint32_t units = 2 * m.buckets() + flow::kStashSize;
  auto sweep = [&](uint32_t now) {
    std::vector<FlowEvent> all;
    for (uint32_t u = 0; u < units; ++u)
      for (const FlowEvent& e : m.apply(op_of(Opcode::kAge, {}, {}, now))) all.push_back(e);
    return all;
  };
  // First sweep at 60: the inserts' activity marks refresh all three; the unsynced two count one
  // sweep, nothing matures yet (N = 2).
  EXPECT_TRUE(sweep(60).empty());
  EXPECT_EQ(m.lookup({fresh, 0}).value.sync_flags, 1u << regs::FLOW_SYNC_SWEEPS_LSB);  // marks `fresh`
  EXPECT_EQ(m.lookup({synced, 0}).value.sync_flags, 1u << regs::FLOW_SYNC_SYNCED_LSB);
  // Second sweep at 200: `idle` (seen at 60, unmarked) expires although ripe; `fresh` (marked by
  // the lookup) stays and matures, its event carrying the value after the op.
  std::vector<FlowEvent> ev = sweep(200);
  ASSERT_EQ(ev.size(), 2u);
  const FlowEvent& mat = ev[0].status == Status::kMatured ? ev[0] : ev[1];
  const FlowEvent& exp = ev[0].status == Status::kMatured ? ev[1] : ev[0];
  EXPECT_EQ(mat.status, Status::kMatured);
  EXPECT_EQ(exp.status, Status::kExpired);
  const uint8_t want = (1u << regs::FLOW_SYNC_SYNCED_LSB) | (2u << regs::FLOW_SYNC_SWEEPS_LSB);
  EXPECT_EQ(mat.value.sync_flags, want);
  EXPECT_EQ(mat.value.owner_member, 3u);
  EXPECT_EQ(mat.value.last_seen, 200u);
  EXPECT_EQ(m.lookup({fresh, 0}).value.sync_flags, want);
  EXPECT_EQ(m.counters().matured, 1u);
  EXPECT_EQ(m.counters().expiries, 1u);
  // Flipping GEN makes every entry unsynced: `fresh` (counted twice already) is offered again on the
  // next sweep, `synced` (never counted) on the one after; then nothing. Flipping back offers both
  // at once.
  c.sync_mature = 2 | (1u << regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB);
  m.set_config(c);
  auto keep_alive = [&] {
    m.lookup({fresh, 0});
    m.lookup({synced, 0});
  };
  keep_alive();
  ev = sweep(205);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].status, Status::kMatured);
  EXPECT_EQ(ev[0].value.sync_flags & ((1u << regs::FLOW_SYNC_SYNCED_LSB) | (1u << regs::FLOW_SYNC_EPOCH_LSB)),
            (1u << regs::FLOW_SYNC_SYNCED_LSB) | (1u << regs::FLOW_SYNC_EPOCH_LSB));  // SYNCED, EPOCH = GEN = 1
  keep_alive();
  ev = sweep(206);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].status, Status::kMatured);
  keep_alive();
  EXPECT_TRUE(sweep(207).empty());
  c.sync_mature = 2;
  m.set_config(c);
  keep_alive();
  EXPECT_EQ(sweep(208).size(), 2u);
  EXPECT_EQ(m.counters().matured, 5u);
  // Later sweeps leave synced entries alone; so does SYNC_MATURE 0.
  EXPECT_TRUE(sweep(210).empty());
  c.sync_mature = 0;
  m.set_config(c);
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, idle, v, 210)).status, Status::kDone);
  EXPECT_TRUE(sweep(220).empty());
  EXPECT_EQ(m.lookup({idle, 0}).value.sync_flags, 0u);
  EXPECT_EQ(m.counters().matured, 5u);
}

TEST(FlowTableAgeing, EachStateHasItsTimeout) {
  FlowTableModel m(2);
  flow::Config c = config(2);
  c.timeout_new = 10;
  c.timeout_est = 1000;
  c.timeout_closing = 5;
  m.set_config(c);
  // One entry per state, all seen at time 0xFFFFFF00 (ageing is modulo 2^32).
  const uint32_t t0 = 0xFFFFFF00u;
  const State states[] = {State::kNew, State::kEstablished, State::kClosing, State::kReserved};
  std::vector<FlowKey> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(tcp4(0x0A000000u + i, 1, 0x0B000000u, 2));
    ASSERT_EQ(one(m, op_of(Opcode::kInsert, keys[i], value_of(1, states[i]), t0)).status, Status::kDone);
  }
  auto sweep = [&](uint32_t now) {
    std::vector<FlowEvent> all;
    const uint32_t units = 2 * m.buckets() + flow::kStashSize;
    for (uint32_t u = 0; u < units; ++u)
      for (const FlowEvent& e : m.apply(op_of(Opcode::kAge, {}, {}, now, static_cast<uint16_t>(u)))) {
        all.push_back(e);
      }
    return all;
  };
  // New entries are marked: the first visit refreshes them (LAST_SEEN stays t0 here) and clears it.
  EXPECT_TRUE(sweep(t0).empty());
  // Idle exactly the timeout: nothing expires (expiry needs idle > timeout).
  EXPECT_TRUE(sweep(t0 + 5).empty());
  // Idle 6: CLOSING and the reserved state (closing's timeout) expire.
  std::vector<FlowEvent> ev = sweep(t0 + 6);
  ASSERT_EQ(ev.size(), 2u);
  for (const FlowEvent& e : ev) {
    EXPECT_EQ(e.status, Status::kExpired);
    EXPECT_EQ(e.opcode, static_cast<uint8_t>(Opcode::kAge));
    EXPECT_TRUE(e.value.state == State::kClosing || e.value.state == State::kReserved);
    EXPECT_EQ(e.value.last_seen, t0);
  }
  EXPECT_TRUE(sweep(t0 + 10).empty());
  ev = sweep(t0 + 11);  // NEW; the time has wrapped past 2^32
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].value.state, State::kNew);
  // A TOUCH refreshes: the ESTABLISHED entry survives past t0 + 1000.
  one(m, op_of(Opcode::kTouch, keys[1], {}, t0 + 900));
  EXPECT_TRUE(sweep(t0 + 1500).empty());
  EXPECT_EQ(sweep(t0 + 1901).size(), 1u);
  EXPECT_EQ(m.counters().occupancy, 0u);
  EXPECT_EQ(m.counters().expiries, 4u);
}

TEST(FlowTableAgeing, ZeroTimeoutNeverExpiresAndSweepOrderIsUnitOrder) {
  FlowTableModel m(3);
  flow::Config c = config(3, 0);
  c.timeout_new = 0;  // never
  c.timeout_est = 1;
  m.set_config(c);
  std::mt19937_64 rng(10);
  for (int i = 0; i < 60; ++i)
    one(m, op_of(Opcode::kInsert, random_key(rng), value_of(1, i % 2 ? State::kEstablished : State::kNew), 0));
  const uint32_t units = 2 * m.buckets() + flow::kStashSize;
  for (uint32_t u = 0; u < units; ++u)
    EXPECT_TRUE(m.apply(op_of(Opcode::kAge, {}, {}, 0)).empty());  // clears the new entries' marks
  // Expiries come out unit by unit: sub-table 1, sub-table 2, stash, slot order inside a bucket.
  int last_rank = -1;
  uint32_t expired = 0;
  for (uint32_t u = 0; u < units; ++u) {
    for (const FlowEvent& e : m.apply(op_of(Opcode::kAge, {}, {}, 1000))) {
      EXPECT_EQ(e.value.state, State::kEstablished);
      const int rank = static_cast<int>(e.where) * 1000 + static_cast<int>(u);
      EXPECT_GE(rank, last_rank);
      last_rank = rank;
      ++expired;
    }
  }
  EXPECT_EQ(expired + m.counters().occupancy, m.counters().inserts);
  for (uint32_t u = 0; u < units; ++u) EXPECT_TRUE(m.apply(op_of(Opcode::kAge, {}, {}, 0x7FFFFFFF)).empty());
}

// Activity: a hit marks its entry in line (no op); the next visit refreshes LAST_SEEN to the AGE's
// TIME and clears the mark, so a connection looked up between visits never expires, and an idle
// one expires once its idle time since the last refresh passes the timeout.
TEST(FlowTableAgeing, LookupsKeepAnEntryAliveWithoutOps) {
  FlowTableModel m(3);
  flow::Config c = config(3);
  c.timeout_new = 50;
  m.set_config(c);
  const FlowKey busy = tcp4(0x0A000001u, 1, 0x0B000001u, 2), quiet = tcp4(0x0A000002u, 1, 0x0B000001u, 2);
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, busy, value_of(1, State::kNew), 0)).status, Status::kDone);
  ASSERT_EQ(one(m, op_of(Opcode::kInsert, quiet, value_of(1, State::kNew), 0)).status, Status::kDone);
  const uint32_t units = 2 * m.buckets() + flow::kStashSize;
  std::vector<FlowEvent> ev;
  for (uint32_t now = 40; now <= 400; now += 40) {  // a sweep every 40 ticks, the busy one seen in between
    EXPECT_TRUE(m.lookup({reversed(busy), 0}).hit) << now;
    for (uint32_t u = 0; u < units; ++u)
      for (const FlowEvent& e : m.apply(op_of(Opcode::kAge, {}, {}, now))) ev.push_back(e);
  }
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].key, [&] {
    flow::CKey k;
    canonical_key(quiet, k);
    return k;
  }());
  EXPECT_EQ(ev[0].value.last_seen, 40u);  // refreshed by the first visit (new entries are marked)
  EXPECT_EQ(m.counters().touches, 0u);
  FlowResult r = m.lookup({busy, 0});
  ASSERT_TRUE(r.hit);
  EXPECT_EQ(r.value.last_seen, 400u);  // the last visit's TIME
}

TEST(FlowTableAgeing, CursorWrapsWhenTheActiveSizeShrinks) {
  FlowTableModel m(4);
  m.set_config(config(4));
  for (int i = 0; i < 40; ++i) m.apply(op_of(Opcode::kAge, {}, {}, 0));
  EXPECT_EQ(m.counters().age_cursor, 40u);  // of 2*16 + 16 = 48 units
  m.set_config(config(2));                  // 2*4 + 16 = 24 units: the cursor is out of range, the next AGE is unit 0
  m.apply(op_of(Opcode::kAge, {}, {}, 0));
  EXPECT_EQ(m.counters().age_cursor, 1u);
}

// ---- the HLS top is the same core -----------------------------------------------------------------
TEST(FlowTableModelApi, WordApiEqualsStructApi) {
  FlowTableModel a(6), b(6);
  a.set_config(config(5, 3));
  b.set_config(config(5, 3));
  std::mt19937_64 rng(11);
  std::vector<FlowKey> pool;
  for (int i = 0; i < 400; ++i) pool.push_back(random_key(rng));
  for (int i = 0; i < 5000; ++i) {
    const FlowKey k = pool[rng() % pool.size()];
    if (rng() % 2) {
      const FlowLookup l{(i & 1) ? reversed(k) : k, rng()};
      ASSERT_EQ(a.lookup(l), unpack_flow_result(b.lookup_word(pack(l))));
    } else {
      FlowOp op = op_of(static_cast<Opcode>(1 + rng() % 5), k, value_of(static_cast<uint8_t>(i)),
                        static_cast<uint32_t>(i), static_cast<uint16_t>(i));
      const std::vector<FlowEvent> ea = a.apply(op);
      flow::EventWord w[flow::kMaxEvents];
      const int n = b.apply_word(pack(op), w);
      ASSERT_EQ(ea.size(), static_cast<size_t>(n));
      for (int j = 0; j < n; ++j) ASSERT_EQ(ea[j], unpack_flow_event(w[j]));
    }
  }
  EXPECT_TRUE(a.counters() == b.counters());
}

}  // namespace
}  // namespace conductor
